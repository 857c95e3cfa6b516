// The project page's diagram: the pinned version drawn with bpmn-js, finished and current
// elements marked. The page says the same in text, so nothing is lost if this fails.
(function () {
  'use strict';

  var source = document.getElementById('diagram-data');
  var container = document.getElementById('diagram');
  if (!source || !container) { return; }
  var data = JSON.parse(source.textContent);
  var MIN_HEIGHT = 256, MAX_HEIGHT = 640;

  function showProblem(error) {
    var problem = document.querySelector('.diagram-problem');
    if (problem) { problem.hidden = false; }
    container.hidden = true;
    if (window.console && error) { console.error('diagram:', error); }
  }

  function mark(canvas, registry, ids, marker) {
    // An id with no shape on this diagram is skipped, not an error.
    ids.forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  function showCurrent(canvas, registry) {
    var element = registry.get(data.active[0]);
    if (!element) { return; }
    var outer = canvas.viewbox().outer;
    canvas.viewbox({ x: element.x + element.width / 2 - outer.width / 2,
                     y: element.y + element.height / 2 - outer.height / 2,
                     width: outer.width, height: outer.height });
  }

  function enableTools(canvas, registry) {
    var tools = document.querySelector('.diagram-tools');
    if (!tools) { return; }
    var current = tools.querySelector('[data-zoom="current"]');
    if (current && !data.active.some(function (id) { return registry.get(id); })) { current.hidden = true; }
    window.SixGates.wireZoomTools(tools, canvas, { current: function () { showCurrent(canvas, registry); } });
  }

  if (typeof window.BpmnJS !== 'function') { showProblem(new Error('bpmn-js is not loaded')); return; }
  var viewer = new window.BpmnJS({ container: container });
  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    window.SixGates.fitDiagramHeight(canvas, container, MIN_HEIGHT, MAX_HEIGHT);
    canvas.zoom('fit-viewport');
    mark(canvas, registry, data.completed, 'done');
    mark(canvas, registry, data.active, 'current');
    enableTools(canvas, registry);
    container.setAttribute('data-diagram-ready', 'true');
  }).catch(showProblem);
})();
