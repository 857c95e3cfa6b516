// A bpmn-js module that keeps diagram layout bpmn-js does not draw. On saving, bpmn-js rebuilds
// each drawn plane from the shapes on the canvas, so layout it could not draw (shapes of a process
// no pool refers to, an edge whose element is missing) would silently vanish from a diagram made in
// another tool. Nobody can edit what is not drawn, so it is put back as it was.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};

  function KeepUndrawnDi(eventBus, elementRegistry) {
    var definitions = null;
    var kept = [];

    eventBus.on('import.parse.complete', function (event) {
      definitions = event.definitions || null;
      kept = [];
    });

    eventBus.on('import.done', function () {
      if (!definitions) { return; }
      var drawn = new Set();
      elementRegistry.getAll().forEach(function (element) { if (element.di) { drawn.add(element.di); } });
      (definitions.get('diagrams') || []).forEach(function (diagram) {
        var plane = diagram.plane;
        if (!plane) { return; }
        (plane.get('planeElement') || []).forEach(function (di) {
          if (!drawn.has(di)) { kept.push({ plane: plane, di: di }); }
        });
      });
    });

    // After bpmn-js's own re-ordering of the planes (priority 2000).
    eventBus.on('saveXML.start', 1000, function () {
      kept.forEach(function (item) {
        var elements = item.plane.get('planeElement');
        if (elements.indexOf(item.di) < 0) { elements.push(item.di); }
      });
    });
  }

  KeepUndrawnDi.$inject = ['eventBus', 'elementRegistry'];

  NS.keepUndrawnDiModule = { __init__: ['keepUndrawnDi'], keepUndrawnDi: ['type', KeepUndrawnDi] };
})();
