// The versions pages' diagrams: each drawn with the bpmn-js navigated viewer; on the diff page,
// added, changed and removed elements are marked with a colour and a badge, and each change in the
// list shows its element. The lists say the same in words, so nothing is lost if this fails.
(function () {
  'use strict';

  var MIN_HEIGHT = 320, MAX_HEIGHT = 560, MARGIN = 60;
  var viewers = {};  // name ("new", "old", "version") -> {viewer, canvas, registry, container}

  function part(selector, name) {
    return document.querySelector('[' + selector + '="' + name + '"]');
  }

  function showProblem(name, container, error) {
    var problem = part('data-problem-for', name);
    if (problem) { problem.hidden = false; }
    container.hidden = true;
    if (window.console && error) { console.error('diagram ' + name + ':', error); }
  }

  function badge(text, marker) {
    var span = document.createElement('span');
    span.className = 'diff-badge diff-badge--' + marker;
    span.textContent = text;  // text, never HTML: it comes from the diagram's changes
    return span;
  }

  function mark(entry, markers) {
    var overlays = entry.viewer.get('overlays');
    Object.keys(markers).forEach(function (id) {
      var element = entry.registry.get(id);
      if (!element) { return; }  // an id with no shape on this diagram is skipped, not an error
      entry.canvas.addMarker(id, 'diff-' + markers[id].marker);
      if (element.type === 'bpmn:Lane' || element.type === 'bpmn:Participant') {
        entry.canvas.addMarker(id, 'diff-container');
      }
      // At least full size, so the badge stays readable when the whole diagram is shrunk to fit.
      overlays.add(id, 'diff-badge', { position: { top: -11, left: 4 }, scale: { min: 1 },
                                       html: badge(markers[id].badge, markers[id].marker) });
    });
  }

  function bounds(element) {
    if (!element.waypoints) { return element; }
    var xs = element.waypoints.map(function (p) { return p.x; });
    var ys = element.waypoints.map(function (p) { return p.y; });
    var x = Math.min.apply(null, xs), y = Math.min.apply(null, ys);
    return { x: x, y: y, width: Math.max.apply(null, xs) - x, height: Math.max.apply(null, ys) - y };
  }

  function centre(canvas, box, scale) {
    var outer = canvas.viewbox().outer, width = outer.width / scale, height = outer.height / scale;
    canvas.viewbox({ x: box.x + box.width / 2 - width / 2, y: box.y + box.height / 2 - height / 2,
                     width: width, height: height });
  }

  function showChanges(entry, ids) {
    // Frame every marked element, with a margin, instead of the whole (very wide) procedure.
    var boxes = ids.map(function (id) { return entry.registry.get(id); })
      .filter(function (e) { return e && e.type !== 'bpmn:Lane' && e.type !== 'bpmn:Participant'; }).map(bounds);
    if (!boxes.length) { entry.canvas.zoom('fit-viewport'); return; }
    var x = Math.min.apply(null, boxes.map(function (b) { return b.x; })) - MARGIN;
    var y = Math.min.apply(null, boxes.map(function (b) { return b.y; })) - MARGIN;
    var right = Math.max.apply(null, boxes.map(function (b) { return b.x + b.width; })) + MARGIN;
    var bottom = Math.max.apply(null, boxes.map(function (b) { return b.y + b.height; })) + MARGIN;
    var outer = entry.canvas.viewbox().outer;
    var scale = Math.min(1, outer.width / (right - x), outer.height / (bottom - y));
    centre(entry.canvas, { x: x, y: y, width: right - x, height: bottom - y }, scale);
  }

  function showElement(name, id) {
    var entry = viewers[name];
    if (!entry) { return; }
    var element = entry.registry.get(id);
    entry.container.scrollIntoView({ behavior: 'smooth', block: 'center' });
    if (!element) { return; }
    centre(entry.canvas, bounds(element), 1);
    if (entry.focused) { entry.canvas.removeMarker(entry.focused, 'diff-focus'); }
    entry.canvas.addMarker(id, 'diff-focus');
    entry.focused = id;
  }

  function enableTools(name, entry, ids) {
    var canvas = entry.canvas;
    var tools = part('data-tools-for', name);
    if (!tools) { return; }
    var changes = tools.querySelector('[data-zoom="changes"]');
    if (changes) { changes.hidden = !ids.length; }
    window.SixGates.wireZoomTools(tools, canvas, { changes: function () { showChanges(entry, ids); } });
  }

  function draw(container) {
    var name = container.getAttribute('data-diagram');
    var source = part('data-diagram-data', name);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (typeof window.BpmnJS !== 'function') { showProblem(name, container, new Error('bpmn-js is not loaded')); return; }
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(data.xml).then(function () {
      var entry = { viewer: viewer, canvas: viewer.get('canvas'), registry: viewer.get('elementRegistry'),
                    container: container };
      window.SixGates.fitDiagramHeight(entry.canvas, container, MIN_HEIGHT, MAX_HEIGHT);
      var ids = Object.keys(data.markers || {});
      mark(entry, data.markers || {});
      if (ids.length) { showChanges(entry, ids); } else { entry.canvas.zoom('fit-viewport'); }
      enableTools(name, entry, ids);
      viewers[name] = entry;
      container.setAttribute('data-diagram-ready', 'true');
    }).catch(function (error) { showProblem(name, container, error); });
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-diagram]'), draw);
  document.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-show-element]');
    if (button) { showElement(button.getAttribute('data-show-side'), button.getAttribute('data-show-element')); }
  });
})();
