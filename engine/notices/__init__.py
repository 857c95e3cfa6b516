"""Telling people of their work: notifications written in the same transaction as the change they tell of (an
outbox), reminders and escalations of tasks falling due, each person's list and preferences, and the e-mails
the worker sends from the outbox."""
