// The history page's replay: a timeline control (Previous, Next, a slider and a list to jump to any
// event) steps through the frames embedded in the page; each step marks the diagram, fills the panel
// (who, when, role, data changed) and is announced. The table of events says the same without it.
(function () {
  'use strict';

  var source = document.getElementById('replay-data');
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var frames = data.frames;
  var section = document.getElementById('replay');
  var controls = section.querySelector('.replay-controls');
  var slider = document.getElementById('replay-slider');
  var jump = document.getElementById('replay-jump');
  var status = document.getElementById('replay-status');
  var panel = section.querySelector('.replay-panel');
  var container = document.getElementById('replay-diagram');
  var index = frames.length - 1;
  var diagram = null;

  function field(name) { return panel.querySelector('[data-field="' + name + '"]'); }

  function element(tag, text, className) {
    var made = document.createElement(tag);
    if (text !== undefined) { made.textContent = text; }  // text, never HTML: it is recorded data
    if (className) { made.className = className; }
    return made;
  }

  function describe(frame) {
    var event = frame.event;
    return 'Event ' + frame.seq + ' of ' + data.last_seq + ': ' + event.headline + ' ' + event.by + ', ' + event.when;
  }

  function changesTable(changes) {
    if (!changes.length) { return element('p', 'No data changed at this event.'); }
    var table = element('table', undefined, 'history-changes');
    var head = table.createTHead().insertRow();
    ['Field', 'Change', 'Before', 'After'].forEach(function (name) {
      var th = element('th', name);
      th.scope = 'col';
      head.appendChild(th);
    });
    var body = table.createTBody();
    changes.forEach(function (change) {
      var row = body.insertRow();
      row.className = 'change change--' + change.kind;
      var path = element('th');
      path.scope = 'row';
      path.appendChild(element('code', change.path));
      row.appendChild(path);
      var kind = row.insertCell();
      kind.appendChild(element('span', change.kind.charAt(0).toUpperCase() + change.kind.slice(1),
                               'change-tag change-tag--' + change.kind));
      row.insertCell().textContent = change.old_text || '–';
      row.insertCell().textContent = change.new_text || '–';
    });
    return table;
  }

  function showPanel(frame) {
    var event = frame.event;
    field('seq').textContent = frame.seq;
    field('headline').textContent = event.headline;
    field('who').textContent = event.actor === 'engine' ? 'The engine'
      : event.actor_name + (event.actor_name !== event.actor ? ' (' + event.actor + ')' : '');
    field('role').textContent = event.role_label || '–';
    field('when').textContent = event.when;
    field('changes').replaceChildren(changesTable(event.changes));
    panel.hidden = false;
  }

  function describeDiagram(frame) {
    var active = diagram.names(frame.active), finished = diagram.names(frame.finished);
    container.setAttribute('aria-label', 'Diagram of the procedure at event ' + frame.seq + '. Waiting: ' +
      (active.join(', ') || 'nothing') + '. Finished: ' + (finished.join(', ') || 'nothing yet') + '.');
    container.setAttribute('data-replay-seq', String(frame.seq));
  }

  function go(to, quietly) {
    index = Math.max(0, Math.min(frames.length - 1, to));
    var frame = frames[index];
    slider.value = String(index);
    slider.setAttribute('aria-valuetext', describe(frame));
    jump.value = String(index);
    controls.querySelectorAll('[data-step]').forEach(function (button) {
      var step = button.getAttribute('data-step');
      var atEnd = (step === 'first' || step === 'previous') ? index === 0 : index === frames.length - 1;
      button.setAttribute('aria-disabled', atEnd ? 'true' : 'false');  // not disabled: focus stays put
    });
    showPanel(frame);
    if (!quietly) { status.textContent = describe(frame); }
    if (diagram) {
      diagram.show(frame).then(function () { if (frames[index] === frame) { describeDiagram(frame); } })
        .catch(showProblem);
    }
  }

  function showProblem(error) {
    section.querySelector('.diagram-problem').hidden = false;
    container.hidden = true;
    diagram = null;
    if (window.console && error) { console.error('replay diagram:', error); }
  }

  var STEPS = { first: function () { return 0; }, previous: function () { return index - 1; },
                next: function () { return index + 1; }, last: function () { return frames.length - 1; } };

  controls.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-step]');
    if (button) { go(STEPS[button.getAttribute('data-step')]()); }
  });
  slider.addEventListener('input', function () { go(Number(slider.value)); });
  jump.addEventListener('change', function () { go(Number(jump.value)); });
  section.querySelectorAll('[data-zoom]').forEach(function (button) {
    button.addEventListener('click', function () { if (diagram) { diagram.zoom(button.getAttribute('data-zoom')); } });
  });
  document.querySelectorAll('.show-on-diagram').forEach(function (button) {
    var seq = Number(button.getAttribute('data-seq'));
    var at = frames.findIndex(function (frame) { return frame.seq === seq; });
    if (at < 0) { return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      go(at);
      section.scrollIntoView({ behavior: 'smooth', block: 'start' });
      slider.focus({ preventScroll: true });  // keyboard users carry on stepping from here
    });
  });

  if (typeof window.BpmnJS !== 'function' || !window.HistoryDiagram) {
    showProblem(new Error('bpmn-js is not loaded'));
  } else {
    diagram = new window.HistoryDiagram(container, data.diagrams);
  }
  controls.hidden = false;
  section.querySelectorAll('.diagram-tools').forEach(function (tools) { tools.hidden = !diagram; });
  go(index, true);  // the page opens on the last event, unannounced
})();
