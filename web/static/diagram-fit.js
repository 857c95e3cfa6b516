// Shared by the pages that draw a diagram with bpmn-js: the box takes the diagram's proportions,
// and the zoom buttons (data-zoom="in|out|fit" plus any the page adds) drive the canvas.
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

  // `more` maps the page's own data-zoom values to what they do ("current", "changes").
  NS.wireZoomTools = function (tools, canvas, more) {
    tools.hidden = false;
    tools.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-zoom]');
      if (!button) { return; }
      var how = button.getAttribute('data-zoom');
      if (how === 'fit') { canvas.zoom('fit-viewport'); return; }
      if (more && more[how]) { more[how](); return; }
      canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8), 'auto');
    });
  };
})();
