"""Demo users and projects, generated answers, and the walker that moves projects through the procedure.

Not production code: `sixgates init --demo`, the benchmarks and the tests use it."""
