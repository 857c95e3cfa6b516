// The properties panel beside the diagram: what Six Gates reads from the selected element, as
// labelled fields. A field applies its change when it loses focus or Enter is pressed, as one
// bpmn-js command (undo with Ctrl+Z). Sections per element kind are in properties-sections.js.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === true) { node.setAttribute(k, ''); } else if (attrs[k] !== false && attrs[k] != null) { node.setAttribute(k, attrs[k]); }
    });
    if (text) { node.textContent = text; }
    return node;
  }

  // One labelled field. spec: {key, label, hint, value, kind: text|textarea|select|checkbox,
  // options: [[value, label]], check(value) -> problem or '', apply(value), list: datalist options}
  function field(spec) {
    var id = 'prop-' + spec.key;
    var wrap = el('div', { 'class': 'prop-field' + (spec.kind === 'checkbox' ? ' prop-field--checkbox' : '') });
    var hintId = spec.hint ? id + '-hint' : null;
    var errorId = id + '-error';
    var input;
    if (spec.kind === 'textarea') {
      input = el('textarea', { id: id, rows: spec.rows || 3, spellcheck: 'false', 'class': 'prop-code' });
      input.value = spec.value || '';
    } else if (spec.kind === 'select') {
      input = el('select', { id: id });
      spec.options.forEach(function (option) {
        var o = el('option', { value: option[0] }, option[1]);
        if (option[0] === (spec.value || '')) { o.selected = true; }
        input.appendChild(o);
      });
    } else if (spec.kind === 'checkbox') {
      input = el('input', { id: id, type: 'checkbox' });
      input.checked = !!spec.value;
    } else {
      input = el('input', { id: id, type: 'text', spellcheck: 'false', autocomplete: 'off' });
      input.value = spec.value || '';
      if (spec.list) {
        var listId = id + '-options-' + (++counter);
        var datalist = el('datalist', { id: listId });
        spec.list.forEach(function (v) { datalist.appendChild(el('option', { value: v })); });
        input.setAttribute('list', listId);
        wrap.appendChild(datalist);
      }
    }
    var label = el('label', { 'for': id }, spec.label);
    var error = el('p', { id: errorId, 'class': 'prop-error', hidden: true });
    input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
    if (spec.disabled) { input.disabled = true; }
    function commit() {
      var value = spec.kind === 'checkbox' ? input.checked : input.value;
      var problem = spec.check ? spec.check(value) : '';
      error.hidden = !problem;
      error.textContent = problem || '';
      input.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (!problem && value !== (spec.kind === 'checkbox' ? !!spec.value : spec.value || '')) { spec.apply(value); }
    }
    input.addEventListener('change', commit);
    if (spec.kind === 'checkbox') {
      wrap.appendChild(input);
      wrap.appendChild(label);
    } else {
      wrap.appendChild(label);
      wrap.appendChild(input);
    }
    if (spec.hint) { wrap.appendChild(el('p', { id: hintId, 'class': 'prop-hint' }, spec.hint)); }
    wrap.appendChild(error);
    return wrap;
  }

  function section(title, children) {
    var box = el('fieldset', { 'class': 'prop-section' });
    box.appendChild(el('legend', {}, title));
    children.forEach(function (child) { if (child) { box.appendChild(child); } });
    return box;
  }

  function note(text, kind) { return el('p', { 'class': 'prop-note' + (kind ? ' prop-note--' + kind : '') }, text); }

  function PropertiesPanel(modeler, container, context) {
    var props = NS.BpmnProps(modeler);
    var selected = null;
    var ui = { el: el, field: field, section: section, note: note, props: props, context: context, modeler: modeler };

    function render() {
      var focused = document.activeElement && container.contains(document.activeElement) ? document.activeElement.id : null;
      container.textContent = '';
      var element = selected || modeler.get('canvas').getRootElement();
      NS.propertySections(element, ui).forEach(function (node) { container.appendChild(node); });
      container.setAttribute('data-element-id', (element.labelTarget || element).id);
      if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
    }

    modeler.on('selection.changed', function (event) {
      selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
      render();
    });
    var pending = null;
    modeler.on('elements.changed', function (event) {
      var current = selected || modeler.get('canvas').getRootElement();
      if (!event.elements.some(function (e) { return e === current || e.id === current.id; })) { return; }
      if (selected && !modeler.get('elementRegistry').get(selected.id)) { selected = null; }
      // After the browser has moved focus (Tab from a field commits it), so focus can be restored.
      clearTimeout(pending);
      pending = setTimeout(render, 0);
    });
    modeler.on('import.done', function () { selected = null; render(); });
    render();
    this.render = render;
  }

  NS.PropertiesPanel = PropertiesPanel;
})();
