// Shared by the pages that draw a diagram with bpmn-js (project, history, versions): the diagram's XML is
// fetched after the page's first view (the browser keeps it: a deployed version never changes), the box
// takes the diagram's proportions, the view opens near where the project is, and the buttons swap between
// that and the whole process (data-zoom="whole|near|in|out").
(function () {
  'use strict';
  var NS = window.SixGates = window.SixGates || {};
  var MARGIN = 60;
  var fetched = {};

  NS.fetchDiagram = function (url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url, { credentials: 'same-origin' }).then(function (answer) {
        if (!answer.ok) { throw new Error('diagram ' + url + ': ' + answer.status); }
        return answer.text();
      });
    }
    return fetched[url];
  };

  // The drawing is a picture with a text alternative (role="img" on its box): its canvas is not a control of
  // its own (the zoom buttons are), so it leaves the tab order and the picture holds nothing interactive;
  // bpmn.io's credit link moves just below the picture, where it is a link like any other.
  NS.asPicture = function (container) {
    Array.prototype.forEach.call(container.querySelectorAll('[tabindex]'), function (element) {
      element.removeAttribute('tabindex');
    });
    Array.prototype.forEach.call(container.querySelectorAll('a'), function (link) {
      var credit = document.createElement('p');
      credit.className = 'app-diagram-credit';
      link.removeAttribute('style');
      credit.appendChild(link);
      container.parentNode.insertBefore(credit, container.nextSibling);
    });
  };

  NS.fitDiagramHeight = function (canvas, container, minHeight, maxHeight) {
    var inner = canvas.viewbox().inner;
    if (!inner.width) { return; }
    var wanted = container.clientWidth * inner.height / inner.width + 24;
    container.style.height = Math.round(Math.min(maxHeight, Math.max(minHeight, wanted))) + 'px';
    canvas.resized();
  };

  // A shape's box, or the box around a connection's waypoints.
  NS.bounds = function (element) {
    if (!element.waypoints) { return element; }
    var xs = element.waypoints.map(function (p) { return p.x; });
    var ys = element.waypoints.map(function (p) { return p.y; });
    var x = Math.min.apply(null, xs), y = Math.min.apply(null, ys);
    return { x: x, y: y, width: Math.max.apply(null, xs) - x, height: Math.max.apply(null, ys) - y };
  };

  // Frame the elements with a margin, no larger than full size; false when none of them is drawn.
  NS.frame = function (canvas, registry, ids) {
    var boxes = ids.map(function (id) { return registry.get(id); })
      .filter(function (e) { return e && e.type !== 'bpmn:Lane' && e.type !== 'bpmn:Participant'; })
      .map(NS.bounds);
    if (!boxes.length) { return false; }
    var x = Math.min.apply(null, boxes.map(function (b) { return b.x; })) - MARGIN;
    var y = Math.min.apply(null, boxes.map(function (b) { return b.y; })) - MARGIN;
    var right = Math.max.apply(null, boxes.map(function (b) { return b.x + b.width; })) + MARGIN;
    var bottom = Math.max.apply(null, boxes.map(function (b) { return b.y + b.height; })) + MARGIN;
    var outer = canvas.viewbox().outer;
    var scale = Math.min(1, outer.width / (right - x), outer.height / (bottom - y));
    var width = outer.width / scale, height = outer.height / scale;
    canvas.viewbox({ x: (x + right) / 2 - width / 2, y: (y + bottom) / 2 - height / 2, width: width, height: height });
    return true;
  };

  // `near()` frames where the project is and says whether it could; the "whole" and "near" buttons swap.
  NS.wireZoomTools = function (tools, canvas, near) {
    var whole = tools.querySelector('[data-zoom="whole"]');
    var back = tools.querySelector('[data-zoom="near"]');
    function show(what) {
      var framed = what === 'near' && near();
      if (!framed) { canvas.zoom('fit-viewport', 'auto'); }
      if (whole) { whole.hidden = !framed; }
      if (back) { back.hidden = framed || !near.possible(); }
      return framed;
    }
    tools.hidden = false;
    tools.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-zoom]');
      if (!button) { return; }
      var how = button.getAttribute('data-zoom');
      if (how === 'whole' || how === 'near') {
        show(how);
        (how === 'whole' ? back : whole).focus();  // the other button stands where this one was
        return;
      }
      canvas.zoom(canvas.zoom() * (how === 'in' ? 1.25 : 0.8), 'auto');
      if (whole) { whole.hidden = false; }  // zoomed by hand: the whole process is a click away again
      if (back && near.possible()) { back.hidden = false; }
    });
    return show;
  };
})();
