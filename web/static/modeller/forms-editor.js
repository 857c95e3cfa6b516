// The Forms tab: the draft's JSON Schema and UI schema files as text (kept exactly as typed),
// a helper to add a field, and a live preview drawn by the server with the task pages' macros.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var panel = document.getElementById('panel-forms');
  var source = document.getElementById('modeller-data');
  if (!panel || !source) { return; }
  var data = JSON.parse(source.textContent);
  var files = Object.assign({}, data.forms);
  var removed = [];
  var current = null;
  var timer = null;
  var NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,98}\.json$/;

  var list = document.getElementById('form-files');
  var text = document.getElementById('form-text');
  var textLabel = document.getElementById('form-text-label');
  var message = document.getElementById('form-text-status');
  var preview = document.getElementById('form-preview');
  var problem = document.getElementById('form-preview-problem');
  var editor = document.getElementById('form-editor');

  function names() { return Object.keys(files).sort(); }

  function drawList() {
    list.textContent = '';
    names().forEach(function (name) {
      var li = document.createElement('li');
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'file-button';
      button.textContent = name;
      button.setAttribute('aria-current', name === current ? 'true' : 'false');
      button.addEventListener('click', function () { open(name); });
      li.appendChild(button);
      list.appendChild(li);
    });
    editor.hidden = current === null;
  }

  function problemIn(value) {
    try {
      var parsed = JSON.parse(value);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? '' : 'A form must be a JSON object.';
    } catch (e) {
      return 'Not valid JSON yet: ' + e.message;
    }
  }

  function validate() {
    var problem = problemIn(text.value);
    message.textContent = problem || 'Valid JSON.';
    message.className = problem ? 'form-text-status form-text-status--error' : 'form-text-status';
    text.setAttribute('aria-invalid', problem ? 'true' : 'false');
  }

  function pairOf(name) {
    return /\.uischema\.json$/.test(name) ? name.replace(/\.uischema\.json$/, '.schema.json')
      : name.replace(/\.schema\.json$/, '.uischema.json');
  }

  function refreshPreview() {
    if (current === null) { return; }
    var isUi = /\.uischema\.json$/.test(current);
    var schema = isUi ? files[pairOf(current)] : files[current];
    var ui = isUi ? files[current] : files[pairOf(current)];
    if (schema === undefined) {
      problem.textContent = '';
      preview.innerHTML = '<p class="hint">No form goes with this UI schema.</p>';
      return;
    }
    NS.post(data.urls.preview, { schema: schema, ui: ui || '{}' }).then(function (result) {
      // Drawn by the server with escaping, never the typed text itself. While the text is not a
      // usable form, the last good preview stays, marked out of date, under the reason.
      if (result.ok) {
        preview.innerHTML = result.text;
        disableUploads();
        problem.textContent = '';
        preview.classList.remove('form-preview--stale');
      } else {
        if (result.json && result.json.error) { problem.textContent = result.json.error.message; }  // refused
        else { problem.innerHTML = result.text; }  // the server's own page saying why the form cannot be drawn
        preview.classList.add('form-preview--stale');
      }
      preview.setAttribute('data-updated', String(Date.now()));
    });
  }

  // Nothing uploads from the preview: a file field shows its control, disabled, with its hint.
  function disableUploads() {
    var controls = preview.querySelectorAll('input[type="file"], [data-module="nhsuk-file-upload"] button');
    Array.prototype.forEach.call(controls, function (control) { control.disabled = true; });
  }

  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 350);
  }

  function open(name) {
    current = name;
    preview.textContent = '';
    problem.textContent = '';
    textLabel.textContent = 'Contents of ' + name;
    text.value = files[name];
    drawList();
    validate();
    refreshPreview();
  }

  text.addEventListener('input', function () {
    files[current] = text.value;
    NS.markDirty('forms');
    validate();
    schedulePreview();
  });

  document.getElementById('form-new').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = document.getElementById('form-new-name');
    var name = input.value.trim();
    if (name && !/\.json$/.test(name)) { name += '.schema.json'; }
    var problem = !NAME.test(name) ? 'Use letters, digits, _ - and . and end the name in .json.'
      : files[name] !== undefined ? 'There is already a file called ' + name + '.' : '';
    document.getElementById('form-new-error').textContent = problem;
    if (problem) { input.focus(); return; }
    files[name] = /\.uischema\.json$/.test(name) ? '{\n  "ui:order": []\n}\n'
      : JSON.stringify({ title: '', type: 'object', properties: {}, required: [] }, null, 2) + '\n';
    removed = removed.filter(function (n) { return n !== name; });
    input.value = '';
    NS.markDirty('forms');
    open(name);
    text.focus();
  });

  document.getElementById('form-remove').addEventListener('click', function () {
    if (current === null || !window.confirm('Remove ' + current + ' from this draft?')) { return; }
    delete files[current];
    removed.push(current);
    NS.markDirty('forms');
    NS.say(current + ' removed from the draft (saved when you save the draft).');
    current = null;
    preview.textContent = '';
    problem.textContent = '';
    drawList();
  });

  NS.formsEditor = {
    names: names,
    open: open,
    shown: function () { if (current === null && names().length) { open(names()[0]); } },
    collect: function () { return { files: Object.assign({}, files), removed: removed.slice() }; },
    saved: function () { removed = []; },
    // The "add a field" helper (forms-fields.js) changes the text through these.
    text: function () { return current === null ? null : text.value; },
    replace: function (value) {
      text.value = value;
      files[current] = value;
      NS.markDirty('forms');
      validate();
      refreshPreview();
    }
  };
  drawList();
})();
