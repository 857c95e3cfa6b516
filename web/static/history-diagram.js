// The replay's diagram: the version the project ran on at each event (its XML fetched once, after the page
// is shown), drawn with the bpmn-js navigated viewer, every element marked finished (green, ✓ badge),
// active (amber, dashed, badge) or not reached (dimmed), and framed near that event's step unless the
// reader asked for the whole process. Used by history.js as window.HistoryDiagram.
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

  function Diagram(container, diagrams, tools) {
    this.container = container;
    this.diagrams = diagrams;  // version hash -> the URL of its XML
    this.tools = tools;
    this.viewer = new window.BpmnJS({ container: container });
    window.SixGates.asPicture(container);  // before anything is drawn
    this.version = null;
    this.whole = false;  // the reader asked for the whole process: stepping keeps it
    this.ready = Promise.resolve();
  }

  Diagram.prototype.load = function (version) {
    var self = this;
    self.version = version;
    return window.SixGates.fetchDiagram(self.diagrams[version]).then(function (xml) {
      return self.viewer.importXML(xml);
    }).then(function () {
      self.canvas = self.viewer.get('canvas');
      self.registry = self.viewer.get('elementRegistry');
      self.overlays = self.viewer.get('overlays');
      window.SixGates.asPicture(self.container);
      window.SixGates.fitDiagramHeight(self.canvas, self.container, MIN_HEIGHT, MAX_HEIGHT);
      if (!self.show_) {
        var near = function () { self.whole = false; return window.SixGates.frame(self.canvas, self.registry, self.stepIds()); };
        near.possible = function () { return self.stepIds().some(function (id) { return self.registry.get(id); }); };
        self.show_ = window.SixGates.wireZoomTools(self.tools, self.canvas, near);
        self.tools.addEventListener('click', function (event) {
          var button = event.target.closest('button[data-zoom="whole"]');
          if (button) { self.whole = true; }
        });
      }
    });
  };

  // Draw the frame once the diagram of its version is loaded; calls run in order.
  Diagram.prototype.show = function (frame) {
    var self = this;
    self.ready = self.ready.then(function () {
      if (frame.version !== self.version) { return self.load(frame.version); }
    }).then(function () {
      self.mark(frame);
      self.show_(self.whole ? 'whole' : 'near');
    });
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

  // The elements of this event: the steps waiting then, else the one it finished.
  Diagram.prototype.stepIds = function () {
    var frame = this.frame;
    if (!frame) { return []; }
    return frame.active.length ? frame.active : (frame.event.element_id ? [frame.event.element_id] : []);
  };

  window.HistoryDiagram = Diagram;
})();
