// The Decision tables tab: each of the draft's DMN files edited with dmn-js. Cells stay Python
// (SpiffWorkflow evaluates them), whatever the editor's FEEL hints suggest.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var panel = document.getElementById('panel-dmn');
  var source = document.getElementById('modeller-data');
  if (!panel || !source) { return; }
  var data = JSON.parse(source.textContent);
  var files = Object.assign({}, data.dmn);
  var changed = {};
  var current = null;
  var modeler = null;
  var watched = [];

  var fileSelect = document.getElementById('dmn-file');
  var viewSelect = document.getElementById('dmn-view');
  var box = document.getElementById('dmn-canvas');
  var message = document.getElementById('dmn-status');

  function say(text) { message.textContent = text; }

  function watchActiveViewer() {
    var viewer = modeler.getActiveViewer();
    if (!viewer || watched.indexOf(viewer) >= 0) { return; }
    watched.push(viewer);
    viewer.get('eventBus').on('commandStack.changed', function (event) {
      if (event.trigger === 'clear' || current === null) { return; }
      changed[current] = true;
      NS.markDirty('dmn');
    });
  }

  function drawViews() {
    viewSelect.textContent = '';
    var active = modeler.getActiveView();
    modeler.getViews().forEach(function (view, index) {
      var label = (view.type === 'drd' ? 'Decision requirements diagram' : view.element.name || view.element.id) +
        (view.type === 'decisionTable' ? ' (table)' : view.type === 'literalExpression' ? ' (expression)' : '');
      var option = new Option(label, String(index));
      option.selected = active && active.element === view.element && active.type === view.type;
      viewSelect.appendChild(option);
    });
  }

  function ensureModeler() {
    if (modeler) { return true; }
    if (typeof window.DmnJS !== 'function') { say('The decision table editor could not be loaded.'); return false; }
    modeler = new window.DmnJS({ container: box });
    modeler.on('views.changed', function () { watchActiveViewer(); drawViews(); });
    NS.dmn = modeler;
    return true;
  }

  function keepCurrent() {
    if (!modeler || current === null || !changed[current]) { return Promise.resolve(); }
    var name = current;
    return modeler.saveXML({ format: true }).then(function (result) { files[name] = result.xml; });
  }

  function open(name) {
    if (!ensureModeler() || files[name] === undefined) { return Promise.resolve(); }
    return keepCurrent().then(function () {
      current = null;
      fileSelect.value = name;
      return modeler.importXML(files[name]);
    }).then(function (result) {
      current = name;
      var table = modeler.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
      box.setAttribute('data-ready', name);
      say(result.warnings.length ? name + ' opened with ' + result.warnings.length + ' warning(s).' : '');
      return table ? modeler.open(table) : null;
    }).catch(function (error) {
      say(name + ' could not be opened in the editor: ' + error.message + ' It is kept unchanged.');
    });
  }

  fileSelect.addEventListener('change', function () { open(fileSelect.value); });
  viewSelect.addEventListener('change', function () {
    var view = modeler && modeler.getViews()[Number(viewSelect.value)];
    if (view) { modeler.open(view); }
  });

  function drawFiles() {
    fileSelect.textContent = '';
    Object.keys(files).sort().forEach(function (name) { fileSelect.appendChild(new Option(name, name)); });
    panel.querySelector('.dmn-none').hidden = Object.keys(files).length > 0;
    panel.querySelector('.dmn-editor').hidden = Object.keys(files).length === 0;
  }

  NS.dmnEditor = {
    shown: function () { if (current === null && Object.keys(files).length) { open(fileSelect.value || Object.keys(files).sort()[0]); } },
    open: open,
    collect: function () { return keepCurrent().then(function () { return Object.assign({}, files); }); }
  };
  drawFiles();
})();
