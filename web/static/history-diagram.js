// The replay's diagram: the version the project ran on at each event, drawn with the bpmn-js
// navigated viewer, every element marked finished (green, ✓ badge), active (amber, dashed, badge)
// or not reached (dimmed). Used by history.js as window.HistoryDiagram.
(function () {
  'use strict';

  var MIN_HEIGHT = 320, MAX_HEIGHT = 600;
  var STATES = ['finished', 'active', 'unreached'];
  var BADGES = { finished: '✓', active: '●' };
  var TITLES = { finished: 'Finished', active: 'Waiting' };
  var CONTAINERS = { 'bpmn:Process': true, 'bpmn:Collaboration': true, 'bpmn:Participant': true,
                     'bpmn:Lane': true, 'label': true };

  function isNode(element) {
    return !element.waypoints && !CONTAINERS[element.type];
  }

  function asSet(ids) {
    var set = {};
    ids.forEach(function (id) { set[id] = true; });
    return set;
  }

  function badge(state) {
    var span = document.createElement('span');
    span.className = 'replay-badge replay-badge--' + state;
    span.textContent = BADGES[state];
    span.title = TITLES[state];
    return span;
  }

  function Diagram(container, diagrams) {
    this.container = container;
    this.diagrams = diagrams;
    this.viewer = new window.BpmnJS({ container: container });
    this.version = null;
    this.ready = Promise.resolve();
  }

  Diagram.prototype.load = function (version) {
    var self = this;
    self.version = version;
    return self.viewer.importXML(self.diagrams[version]).then(function () {
      self.canvas = self.viewer.get('canvas');
      self.registry = self.viewer.get('elementRegistry');
      self.overlays = self.viewer.get('overlays');
      window.SixGates.fitDiagramHeight(self.canvas, self.container, MIN_HEIGHT, MAX_HEIGHT);
      self.canvas.zoom('fit-viewport');
    });
  };

  // Draw the frame once the diagram of its version is loaded; calls run in order.
  Diagram.prototype.show = function (frame) {
    var self = this;
    self.ready = self.ready.then(function () {
      if (frame.version !== self.version) { return self.load(frame.version); }
    }).then(function () { self.mark(frame); });
    return self.ready;
  };

  Diagram.prototype.mark = function (frame) {
    var canvas = this.canvas, overlays = this.overlays;
    var finished = asSet(frame.finished), active = asSet(frame.active);
    overlays.remove({ type: 'replay' });
    this.frame = frame;
    this.registry.filter(isNode).forEach(function (element) {
      var state = active[element.id] ? 'active' : finished[element.id] ? 'finished' : 'unreached';
      STATES.forEach(function (other) { canvas.removeMarker(element.id, 'replay-' + other); });
      canvas.addMarker(element.id, 'replay-' + state);
      if (BADGES[state]) {
        overlays.add(element.id, 'replay', { position: { top: -8, left: -8 }, scale: { min: 0.8, max: 1.5 },
                                             html: badge(state) });
      }
    });
  };

  // The names of the elements (for the diagram's text alternative), ids of shapes it lacks skipped.
  Diagram.prototype.names = function (ids) {
    var registry = this.registry;
    return ids.map(function (id) { return registry && registry.get(id); })
      .filter(function (element) { return element && isNode(element); })
      .map(function (element) { return element.businessObject.name || element.id; });
  };

  // Centre the step waiting at this event (or the last one finished) at full size.
  Diagram.prototype.showStep = function () {
    var frame = this.frame, registry = this.registry;
    var ids = frame ? frame.active.concat(frame.event.element_id ? [frame.event.element_id] : []) : [];
    var element = ids.map(function (id) { return registry.get(id); }).filter(Boolean)[0];
    if (!element) { this.canvas.zoom('fit-viewport'); return; }
    var outer = this.canvas.viewbox().outer;
    this.canvas.viewbox({ x: element.x + element.width / 2 - outer.width / 2,
                          y: element.y + element.height / 2 - outer.height / 2,
                          width: outer.width, height: outer.height });
  };

  Diagram.prototype.zoom = function (how) {
    if (!this.canvas) { return; }
    if (how === 'fit') { this.canvas.zoom('fit-viewport'); return; }
    if (how === 'step') { this.showStep(); return; }
    this.canvas.zoom(this.canvas.zoom() * (how === 'in' ? 1.25 : 0.8), 'auto');
  };

  window.HistoryDiagram = Diagram;
})();
