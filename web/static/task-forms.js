// Task forms: a field revealed under the choice it belongs to (the NHS.UK conditional pattern).
// nhsuk-frontend's own reveal marks the radio aria-expanded, which a radio may not carry (axe
// aria-allowed-attr, WCAG 4.1.2); this one links the choice to its fields with aria-controls only.
// It listens on the document, so a form drawn later (the modeller's preview) reveals too.
const CHOICES = 'input[data-app-reveals]';

function sync() {
  document.querySelectorAll(CHOICES).forEach((input) => {
    const target = document.getElementById(input.dataset.appReveals);
    if (!target) return;
    input.setAttribute('aria-controls', target.id);
    const kind = target.classList.contains('nhsuk-checkboxes__conditional') ? 'checkboxes' : 'radios';
    target.classList.toggle(`nhsuk-${kind}__conditional--hidden`, !input.checked);
  });
}

// Checking one radio unchecks the others without an event of their own: every reveal follows any change.
document.addEventListener('change', (event) => {
  if (event.target instanceof HTMLInputElement && ['radio', 'checkbox'].includes(event.target.type)) sync();
});
window.addEventListener('pageshow', sync);  // answers the browser restored on going back
sync();
