// The modeller page: the bpmn-js Modeler, tabs for forms and decision tables, and the draft's
// save, check and deploy buttons. Editors for each part live in their own files; this one wires
// them together and talks to the server.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var root = document.getElementById('modeller');
  var source = document.getElementById('modeller-data');
  if (!root || !source) { return; }
  var data = JSON.parse(source.textContent);
  var csrf = root.getAttribute('data-csrf');
  var status = document.getElementById('modeller-status');
  var dirty = { diagram: false, forms: false, dmn: false };
  var busy = false;

  function say(message, kind) {
    status.textContent = message;
    status.className = 'modeller-status' + (kind ? ' modeller-status--' + kind : '');
  }

  function isDirty() { return dirty.diagram || dirty.forms || dirty.dmn; }

  function markDirty(part) {
    dirty[part] = true;
    root.setAttribute('data-dirty', 'true');
  }

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf, 'Accept': 'application/json' },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        return { ok: response.ok, status: response.status, json: json, text: text };
      });
    });
  }

  function problemOf(result) {
    if (result.json && result.json.error) { return result.json.error.message; }
    if (result.status === 400) { return 'The page has expired: reload it (your changes are kept only if saved).'; }
    return 'The server could not do this (HTTP ' + result.status + ').';
  }

  NS.say = say;
  NS.post = post;
  NS.markDirty = markDirty;
  NS.data = data;

  // --- tabs ------------------------------------------------------------------------------
  var tabs = Array.prototype.slice.call(root.querySelectorAll('[role="tab"]'));

  function showTab(tab) {
    tabs.forEach(function (other) {
      var selected = other === tab;
      other.setAttribute('aria-selected', selected ? 'true' : 'false');
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
    });
    var name = tab.getAttribute('data-tab');
    if (name === 'dmn' && NS.dmnEditor) { NS.dmnEditor.shown(); }
    if (name === 'forms' && NS.formsEditor) { NS.formsEditor.shown(); }
  }

  function tabNamed(name) { return tabs.filter(function (t) { return t.getAttribute('data-tab') === name; })[0]; }
  NS.showTab = function (name) { showTab(tabNamed(name)); };

  tabs.forEach(function (tab, index) {
    tab.addEventListener('click', function () { showTab(tab); });
    tab.addEventListener('keydown', function (event) {
      var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (event.key === 'Home' || event.key === 'End') { step = 0; }
      if (step === undefined) { return; }
      event.preventDefault();
      var next = event.key === 'Home' ? tabs[0] : event.key === 'End' ? tabs[tabs.length - 1]
        : tabs[(index + step + tabs.length) % tabs.length];
      showTab(next);
      next.focus();
    });
  });

  // --- the diagram -------------------------------------------------------------------------
  var canvasBox = document.getElementById('modeller-canvas');

  // A wide procedure fitted whole is unreadably small: show its start at a readable size instead.
  function showStart(canvas) {
    canvas.zoom('fit-viewport');
    if (canvas.zoom() >= 0.5) { return; }
    var box = canvas.viewbox();
    canvas.viewbox({ x: box.inner.x - 120, y: box.inner.y - 20, width: box.outer.width / 0.7, height: box.outer.height / 0.7 });
  }

  function startModeler(descriptor) {
    var modeler = new window.BpmnJS({ container: canvasBox, moddleExtensions: { spiffworkflow: descriptor },
      additionalModules: [NS.keepUndrawnDiModule] });
    NS.bpmn = modeler;
    modeler.on('commandStack.changed', function () { markDirty('diagram'); });
    return modeler.importXML(data.bpmn).then(function (result) {
      showStart(modeler.get('canvas'));
      NS.propertiesPanel = new NS.PropertiesPanel(modeler, document.getElementById('properties-body'), {
        forms: function () { return NS.formsEditor ? NS.formsEditor.names() : Object.keys(data.forms); },
        roles: data.roles, stages: data.stages, taskProperties: data.task_properties
      });
      var svg = canvasBox.querySelector('svg');  // bpmn-js makes it focusable and listens for keys there
      svg.setAttribute('role', 'application');
      svg.setAttribute('aria-label', 'Diagram editor. Select an element to see its properties beside the diagram. ' +
        'Ctrl+Z undoes, Ctrl+Y redoes, Delete removes the selected element.');
      canvasBox.setAttribute('data-ready', 'true');
      if (result.warnings && result.warnings.length) {
        say('The diagram opened with ' + result.warnings.length + ' warning(s): ' +
            result.warnings.map(function (w) { return w.message; }).slice(0, 3).join('; '), 'warning');
      }
    });
  }

  function focusElement(finding) {
    var file = finding.file || '';
    if (/\.dmn$/.test(file) && NS.dmnEditor) { NS.showTab('dmn'); NS.dmnEditor.open(file); return; }
    if (/\.json$/.test(file) && NS.formsEditor) { NS.showTab('forms'); NS.formsEditor.open(file); return; }
    NS.showTab('diagram');
    var modeler = NS.bpmn;
    var element = modeler && modeler.get('elementRegistry').get(finding.element_id);
    if (!element) { say('Element ' + finding.element_id + ' is not on the diagram.', 'warning'); return; }
    var canvas = modeler.get('canvas');
    canvas.zoom(1);
    canvas.scrollToElement(element, { top: 120, bottom: 120, left: 200, right: 200 });
    modeler.get('selection').select(element);
    var first = document.querySelector('#properties-body input, #properties-body textarea');
    if (first) { first.focus(); }
  }
  NS.focusElement = focusElement;

  // --- save, check, deploy -----------------------------------------------------------------
  function collect() {
    var forms = NS.formsEditor ? NS.formsEditor.collect() : { files: {}, removed: [] };
    var dmn = NS.dmnEditor ? NS.dmnEditor.collect() : Promise.resolve({});
    return Promise.all([NS.bpmn.saveXML({ format: true }), dmn]).then(function (results) {
      return { bpmn: results[0].xml, dmn: results[1], forms: forms.files, removed_forms: forms.removed,
               opened_at: data.saved_at };  // the server refuses if another tab saved since
    });
  }

  function save() {
    if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
    var wasDirty = { diagram: dirty.diagram, forms: dirty.forms, dmn: dirty.dmn };
    dirty = { diagram: false, forms: false, dmn: false };
    say('Saving…');
    return collect().then(function (body) { return post(data.urls.save, body); }).then(function (result) {
      if (!result.ok) { throw new Error(problemOf(result)); }
      data.saved_at = result.json.saved_at;
      if (NS.formsEditor) { NS.formsEditor.saved(); }
      if (!isDirty()) { root.removeAttribute('data-dirty'); }
      say('Draft saved at ' + new Date(result.json.saved_at).toLocaleTimeString() + '.', 'ok');
      return true;
    }).catch(function (error) {
      Object.keys(wasDirty).forEach(function (k) { dirty[k] = dirty[k] || wasDirty[k]; });
      markDirty('diagram');
      say('Not saved: ' + error.message + ' Your changes are still here.', 'error');
      return false;
    });
  }

  function saveIfNeeded() { return isDirty() ? save() : Promise.resolve(true); }

  function guarded(work) {
    return function (event) {
      if (event) { event.preventDefault(); }
      if (busy) { return; }
      busy = true;
      Promise.resolve().then(work).then(function () { busy = false; }, function () { busy = false; });
    };
  }

  function check() {
    return saveIfNeeded().then(function (saved) {
      if (!saved) { return; }
      say('Checking…');
      return post(data.urls.check).then(function (result) {
        if (!result.ok) { say(problemOf(result), 'error'); return; }
        NS.findings.show(result.json.findings, 'Check results');
        var errors = result.json.findings.filter(function (f) { return f.severity === 'error'; }).length;
        say(result.json.ok ? 'No problems stop this draft from being deployed' +
            (result.json.findings.length ? ' (see the warnings).' : '.') :
            errors + ' problem(s) stop this draft from being deployed: see the list.', result.json.ok ? 'ok' : 'error');
      });
    });
  }

  function deploy() {
    return saveIfNeeded().then(function (saved) {
      if (!saved) { return; }
      say('Deploying…');
      return post(data.urls.deploy).then(function (result) {
        if (result.json && result.json.deployed) { NS.findings.deployed(result.json); return; }
        if (result.json && result.json.findings) {
          NS.findings.show(result.json.findings, 'Why the deployment was refused');
          say('Not deployed: fix the problems listed. Your draft is kept as it is.', 'error');
          return;
        }
        say('Not deployed: ' + problemOf(result) + ' Your draft is kept as it is.', 'error');
      });
    });
  }

  var dialog = document.getElementById('deploy-dialog');
  document.getElementById('save-button').addEventListener('click', guarded(save));
  document.getElementById('check-button').addEventListener('click', guarded(check));
  document.getElementById('deploy-button').addEventListener('click', function () { dialog.showModal(); });
  document.getElementById('deploy-confirm').addEventListener('click', function (event) {
    dialog.close();
    guarded(deploy)(event);
  });
  document.getElementById('deploy-cancel').addEventListener('click', function () { dialog.close(); });
  document.getElementById('download-link').addEventListener('click', function (event) {
    if (!isDirty()) { return; }
    event.preventDefault();
    var href = this.href;
    save().then(function (saved) { if (saved) { window.location.href = href; } });
  });
  window.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === 's') { guarded(save)(event); }
  });
  window.addEventListener('beforeunload', function (event) {
    if (!isDirty()) { return; }
    event.preventDefault();
    event.returnValue = '';
  });

  NS.modeller = { save: save, check: check, deploy: deploy, isDirty: isDirty };

  if (typeof window.BpmnJS !== 'function') { say('The diagram editor could not be loaded.', 'error'); return; }
  fetch(root.getAttribute('data-moddle')).then(function (r) { return r.json(); })
    .then(startModeler)
    .then(function () { if (data.last_check) { NS.findings.show(data.last_check.findings, 'Last check'); } })
    .catch(function (error) {
      say('The diagram could not be opened: ' + error.message, 'error');
      if (window.console) { console.error(error); }
    });
})();
