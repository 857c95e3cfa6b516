// The versions pages' diagrams: each fetched after the page is shown and drawn with the bpmn-js navigated
// viewer; on the diff page, added, changed and removed elements are marked with a colour and a badge, the
// view opens on them (the whole process a click away), and each change in the list shows its element.
// The lists say the same in words, so nothing is lost if this fails.
(function () {
  'use strict';

  var MIN_HEIGHT = 320, MAX_HEIGHT = 560;
  var viewers = {};  // name ("new", "old", "version") -> {viewer, canvas, registry, container}

  function part(selector, name) {
    return document.querySelector('[' + selector + '="' + name + '"]');
  }

  function showProblem(name, container, error) {
    var problem = part('data-problem-for', name);  // .app-diagram-problem
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

  function centre(canvas, box, scale) {
    var outer = canvas.viewbox().outer, width = outer.width / scale, height = outer.height / scale;
    canvas.viewbox({ x: box.x + box.width / 2 - width / 2, y: box.y + box.height / 2 - height / 2,
                     width: width, height: height });
  }

  function showElement(name, id) {
    var entry = viewers[name];
    if (!entry) { return; }
    var element = entry.registry.get(id);
    entry.container.scrollIntoView({ behavior: 'smooth', block: 'center' });
    if (!element) { return; }
    centre(entry.canvas, window.SixGates.bounds(element), 1);
    if (entry.tools) {  // away from both views: either is a click away
      entry.tools.querySelectorAll('[data-zoom="whole"], [data-zoom="near"]').forEach(function (b) { b.hidden = false; });
    }
    if (entry.focused) { entry.canvas.removeMarker(entry.focused, 'diff-focus'); }
    entry.canvas.addMarker(id, 'diff-focus');
    entry.focused = id;
  }

  function enableTools(name, entry, ids) {
    entry.tools = part('data-tools-for', name);
    if (!entry.tools) { return; }
    var near = function () { return window.SixGates.frame(entry.canvas, entry.registry, ids); };
    near.possible = function () { return ids.some(function (id) { return entry.registry.get(id); }); };
    entry.show = window.SixGates.wireZoomTools(entry.tools, entry.canvas, near);
    entry.show('near');
  }

  function draw(container) {
    var name = container.getAttribute('data-diagram');
    var source = part('data-diagram-data', name);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    if (typeof window.BpmnJS !== 'function') { showProblem(name, container, new Error('bpmn-js is not loaded')); return; }
    var viewer = new window.BpmnJS({ container: container });
    window.SixGates.asPicture(container);  // before anything is drawn
    window.SixGates.fetchDiagram(data.url).then(function (xml) {
      return viewer.importXML(xml);
    }).then(function () {
      var entry = { viewer: viewer, canvas: viewer.get('canvas'), registry: viewer.get('elementRegistry'),
                    container: container };
      window.SixGates.asPicture(container);
      window.SixGates.fitDiagramHeight(entry.canvas, container, MIN_HEIGHT, MAX_HEIGHT);
      var ids = Object.keys(data.markers || {});
      mark(entry, data.markers || {});
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
