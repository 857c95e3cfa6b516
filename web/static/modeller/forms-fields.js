// "Add a field" in the Forms tab: a question described in words becomes a JSON Schema property
// of the form being edited, in the shapes the task pages know how to draw.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var form = document.getElementById('field-add');
  if (!form) { return; }
  var KEY = /^[a-z][a-z0-9_]*$/;

  var SHAPES = {
    text: function () { return { type: 'string', maxLength: 200 }; },
    long_text: function () { return { type: 'string', maxLength: 5000 }; },
    number: function () { return { type: 'number' }; },
    integer: function () { return { type: 'integer' }; },
    date: function () { return { type: 'string', format: 'date' }; },
    // The server refuses a date before today (engine/repository/forms.py, x-not-before): review dates, closing dates.
    date_ahead: function () { return { type: 'string', format: 'date', 'x-not-before': 'today' }; },
    email: function () { return { type: 'string', format: 'email' }; },
    choice: function (options) { return { type: 'string', 'enum': options }; },
    yes_no: function () { return { type: 'boolean' }; },
    // Uploaded documents (engine/repository/file_fields.py): the engine fills in what each item holds.
    files: function () { return { type: 'array' }; }
  };
  var WHOLE = /^[1-9][0-9]{0,3}$/;
  var MEGABYTES = /^(?=.*[1-9])[0-9]{1,4}(\.[0-9]{1,2})?$/;

  var kind = document.getElementById('field-type');
  var optionsBox = document.getElementById('field-options-group');
  var filesBox = document.getElementById('field-files-group');
  function showOptions() {
    optionsBox.hidden = kind.value !== 'choice';
    filesBox.hidden = kind.value !== 'files';
  }
  kind.addEventListener('change', showOptions);
  showOptions();

  // The x-file rule and the most files from the inputs, or the input to fix and why.
  function fileRule() {
    var most = document.getElementById('field-max-files');
    var largest = document.getElementById('field-max-mb');
    var kinds = Array.prototype.map.call(form.querySelectorAll('input[name="field-kind"]:checked'),
      function (box) { return box.value; });
    if (most.value.trim() && !WHOLE.test(most.value.trim())) {
      return { problem: 'Most files must be a whole number, 1 or more.', input: most };
    }
    if (largest.value.trim() && !MEGABYTES.test(largest.value.trim())) {
      return { problem: 'Largest file must be a number of megabytes above 0, such as 10 or 2.5.', input: largest };
    }
    var rule = {};
    if (kinds.length) { rule.kinds = kinds; }
    if (largest.value.trim()) { rule.max_mb = Number(largest.value.trim()); }
    return { rule: rule, most: most.value.trim() ? Number(most.value.trim()) : null };
  }

  function fail(message, input) {
    var error = document.getElementById('field-add-error');
    error.textContent = message;
    if (input) { input.focus(); }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var editor = NS.formsEditor;
    var textNow = editor && editor.text();
    if (textNow === null || textNow === undefined) { fail('Open a form first.'); return; }
    var schema;
    try { schema = JSON.parse(textNow); } catch (e) { fail('Fix the JSON of the form first: ' + e.message); return; }
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) { fail('The form must be a JSON object.'); return; }
    var keyInput = document.getElementById('field-key');
    var key = keyInput.value.trim();
    if (!KEY.test(key)) { fail('The key is a Python-style name: lower-case letters, digits and _.', keyInput); return; }
    schema.properties = schema.properties || {};
    if (schema.properties[key]) { fail('The form already has a field ' + key + '.', keyInput); return; }
    var options = document.getElementById('field-options').value.split('\n')
      .map(function (s) { return s.trim(); }).filter(Boolean);
    if (kind.value === 'choice' && options.length < 2) {
      fail('A choice needs at least two options, one per line.', document.getElementById('field-options'));
      return;
    }
    var files = kind.value === 'files' ? fileRule() : null;
    if (files && files.problem) { fail(files.problem, files.input); return; }
    var property = SHAPES[kind.value](options);
    var title = document.getElementById('field-title').value.trim();
    var hint = document.getElementById('field-hint').value.trim();
    if (title) { property.title = title; }
    if (hint) { property.description = hint; }
    if (files) {
      if (files.most !== null) { property.maxItems = files.most; }
      property['x-file'] = files.rule;
    }
    schema.properties[key] = property;
    if (document.getElementById('field-required').checked) {
      schema.required = (schema.required || []).filter(function (k) { return k !== key; }).concat(key);
    }
    editor.replace(JSON.stringify(schema, null, 2) + '\n');
    fail('');
    form.reset();
    showOptions();
    NS.say('Field “' + (title || key) + '” added to the form.');  // its question, as reviewers will read it
  });
})();
