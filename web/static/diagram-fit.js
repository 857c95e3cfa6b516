// Shared by the pages that draw a diagram with bpmn-js: a wide diagram in a tall box is mostly
// blank, so the box takes the diagram's proportions, within the page's bounds.
(function () {
  'use strict';
  var NS = window.SixGates = window.SixGates || {};

  NS.fitDiagramHeight = function (canvas, container, minHeight, maxHeight) {
    var inner = canvas.viewbox().inner;
    if (!inner.width) { return; }
    var wanted = container.clientWidth * inner.height / inner.width + 24;
    container.style.height = Math.round(Math.min(maxHeight, Math.max(minHeight, wanted))) + 'px';
    canvas.resized();
  };
})();
