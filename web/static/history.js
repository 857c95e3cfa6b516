// The history page's replay: a timeline control (Previous, Next, a slider and a list to jump to any
// event) steps through the frames embedded in the page; each step marks the diagram, fills the panel
// (who, when, role, the steps waiting and finished in words, data changed) and is announced. The table of
// events says the same without it.
(function () {
  'use strict';

  var source = document.getElementById('replay-data');
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var frames = data.frames;
  var section = document.getElementById('replay');
  var controls = section.querySelector('.app-replay-controls');
  var slider = document.getElementById('replay-slider');
  var jump = document.getElementById('replay-jump');
  var status = document.getElementById('replay-status');
  var panel = section.querySelector('.app-replay-panel');
  var container = document.getElementById('replay-diagram');
  var index = frames.length - 1;
  var diagram = null;

  var COLOURS = { added: 'green', removed: 'red', changed: 'yellow' };

  function names(frame, ids) {
    var known = (data.names || {})[frame.version] || {};
    return ids.map(function (id) { return known[id]; }).filter(Boolean);
  }

  function fillList(list, items, none) {
    list.replaceChildren.apply(list, (items.length ? items : [none]).map(function (text) { return element('li', text); }));
  }

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
    // One short summary list per change: it reads at any width, unlike a four-column table.
    var list = element('dl', undefined, 'nhsuk-summary-list app-history-fields app-replay-changes');
    changes.forEach(function (change) {
      var row = element('div', undefined, 'nhsuk-summary-list__row change change--' + change.kind);
      row.appendChild(element('dt', change.field, 'nhsuk-summary-list__key'));
      var value = element('dd', undefined, 'nhsuk-summary-list__value');
      value.appendChild(element('strong', change.kind.charAt(0).toUpperCase() + change.kind.slice(1),
                                'nhsuk-tag nhsuk-tag--' + (COLOURS[change.kind] || 'grey')));
      value.appendChild(element('span', ' ' + (change.kind === 'added' ? (change.new_words || '')
        : change.kind === 'removed' ? (change.old_words || '')
          : (change.old_words || 'None') + ' → ' + (change.new_words || 'None'))));
      row.appendChild(value);
      list.appendChild(row);
    });
    return list;
  }

  function showPanel(frame) {
    var event = frame.event;
    field('seq').textContent = frame.seq;
    field('headline').textContent = event.headline;
    field('who').textContent = event.actor_name;
    field('role').textContent = event.role_label || 'None';
    field('when').textContent = event.when;
    fillList(field('waiting'), names(frame, frame.active), 'Nothing');
    fillList(field('finished'), names(frame, frame.finished), 'Nothing yet');
    field('changes').replaceChildren(changesTable((data.changes || {})[frame.seq] || []));
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
    section.querySelector('.app-diagram-problem').hidden = false;
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
    diagram = new window.HistoryDiagram(container, data.diagrams, section.querySelector('.app-diagram-tools'));
  }
  controls.hidden = false;
  go(index, true);  // the page opens on the last event, unannounced
})();
