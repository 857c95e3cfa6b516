// The project page's diagram: the pinned version drawn with bpmn-js once the page is shown, finished and
// current elements marked, opened near the current step. The list of steps says the same in words, so
// nothing is lost if this fails.
(function () {
  'use strict';

  var source = document.getElementById('diagram-data');
  var container = document.getElementById('diagram');
  if (!source || !container) { return; }
  var data = JSON.parse(source.textContent);
  var MIN_HEIGHT = 256, MAX_HEIGHT = 560;

  function showProblem(error) {
    var problem = document.querySelector('.app-diagram-problem');
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

  if (typeof window.BpmnJS !== 'function') { showProblem(new Error('bpmn-js is not loaded')); return; }
  var viewer = new window.BpmnJS({ container: container });
  window.SixGates.asPicture(container);  // before anything is drawn: the page is checked as soon as it loads
  window.SixGates.fetchDiagram(data.url).then(function (xml) {
    return viewer.importXML(xml);
  }).then(function () {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    window.SixGates.asPicture(container);
    window.SixGates.fitDiagramHeight(canvas, container, MIN_HEIGHT, MAX_HEIGHT);
    mark(canvas, registry, data.completed, 'done');
    mark(canvas, registry, data.active, 'current');
    var near = function () { return window.SixGates.frame(canvas, registry, data.active); };
    near.possible = function () { return data.active.some(function (id) { return registry.get(id); }); };
    var show = window.SixGates.wireZoomTools(document.querySelector('.app-diagram-tools'), canvas, near);
    show('near');
    container.setAttribute('data-diagram-ready', 'true');
  }).catch(showProblem);
})();
