// Reading and changing what Six Gates reads from a diagram, through bpmn-js commands so that
// undo and redo work: spiffworkflow extension properties, Python expressions, timers and
// multi-instance settings. No page drawing here (see properties-panel.js).
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

  function BpmnProps(modeler) {
    var modeling = modeler.get('modeling');
    var moddle = modeler.get('moddle');
    var factory = modeler.get('bpmnFactory');

    function extensionsOf(bo, type) {
      var ext = bo.extensionElements;
      return ext ? (ext.get('values') || []).filter(function (v) { return v.$instanceOf(type); }) : [];
    }

    function ensureExtensions(element) {
      var bo = element.businessObject;
      if (!bo.extensionElements) {
        var ext = moddle.create('bpmn:ExtensionElements', { values: [] });
        ext.$parent = bo;
        modeling.updateProperties(element, { extensionElements: ext });
      }
      return bo.extensionElements;
    }

    function addExtension(element, child) {
      var ext = ensureExtensions(element);
      child.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get('values').concat(child) });
      return child;
    }

    // spiffworkflow:properties -> { name: value }
    function spiffProperties(bo) {
      var out = {};
      extensionsOf(bo, 'spiffworkflow:Properties').forEach(function (props) {
        props.get('properties').forEach(function (p) { out[p.name] = p.value; });
      });
      return out;
    }

    function setSpiffProperty(element, name, value) {
      var bo = element.businessObject;
      var props = extensionsOf(bo, 'spiffworkflow:Properties')[0];
      if (!props) {
        if (!value) { return; }
        props = addExtension(element, moddle.create('spiffworkflow:Properties', { properties: [] }));
      }
      var existing = props.get('properties').filter(function (p) { return p.name === name; })[0];
      if (existing && value) {
        modeling.updateModdleProperties(element, existing, { value: value });
      } else if (existing) {
        modeling.updateModdleProperties(element, props, {
          properties: props.get('properties').filter(function (p) { return p !== existing; }) });
      } else if (value) {
        var added = moddle.create('spiffworkflow:Property', { name: name, value: value });
        added.$parent = props;
        modeling.updateModdleProperties(element, props, { properties: props.get('properties').concat(added) });
      }
    }

    // A spiffworkflow element holding text (calledDecisionId, preScript, postScript).
    function spiffText(bo, type) {
      var found = extensionsOf(bo, 'spiffworkflow:' + type)[0];
      return found ? found.value || '' : '';
    }

    function setSpiffText(element, type, value) {
      var found = extensionsOf(element.businessObject, 'spiffworkflow:' + type)[0];
      if (found && value) { modeling.updateModdleProperties(element, found, { value: value }); return; }
      if (found) {
        var ext = element.businessObject.extensionElements;
        modeling.updateModdleProperties(element, ext, {
          values: ext.get('values').filter(function (v) { return v !== found; }) });
        return;
      }
      if (value) { addExtension(element, moddle.create('spiffworkflow:' + type, { value: value })); }
    }

    function expression(text) {
      return text ? factory.create('bpmn:FormalExpression', { body: text }) : undefined;
    }

    function bodyOf(expr) { return expr ? expr.body || '' : ''; }

    function timerOf(bo) {
      return (bo.eventDefinitions || []).filter(function (d) { return d.$instanceOf('bpmn:TimerEventDefinition'); })[0];
    }

    function timerValue(timer) {
      var kind = TIMER_KINDS.filter(function (k) { return timer.get(k); })[0] || 'timeDuration';
      return { kind: kind, text: bodyOf(timer.get(kind)) };
    }

    function setTimer(element, timer, kind, text) {
      var changes = {};
      TIMER_KINDS.forEach(function (k) { changes[k] = undefined; });
      changes[kind] = expression(text);
      modeling.updateModdleProperties(element, timer, changes);
    }

    // Multi-instance: SpiffWorkflow reads the text of loopDataInputRef/loopDataOutputRef as a variable
    // name; bpmn-js keeps them as references, so each points at a bpmn:property of that id.
    function refName(ref) { return ref ? ref.id || ref.name || '' : ''; }

    function dataRef(element, name) {
      if (!name) { return undefined; }
      var bo = element.businessObject;
      var found = (bo.get('properties') || []).filter(function (p) { return p.id === name; })[0];
      if (found) { return found; }
      var prop = factory.create('bpmn:Property', { id: name, name: name });
      prop.$parent = bo;
      modeling.updateModdleProperties(element, bo, { properties: (bo.get('properties') || []).concat(prop) });
      return prop;
    }

    function setLoop(element, key, value) {
      var loop = element.businessObject.loopCharacteristics;
      var changes = {};
      if (key === 'loopDataInputRef' || key === 'loopDataOutputRef') {
        changes[key] = dataRef(element, value);
      } else if (key === 'inputDataItem' || key === 'outputDataItem') {
        changes[key] = value ? factory.create(key === 'inputDataItem' ? 'bpmn:DataInput' : 'bpmn:DataOutput',
          { id: value, name: value }) : undefined;
      } else if (key === 'isSequential') {
        changes[key] = value;
      } else {
        changes[key] = expression(value);
      }
      modeling.updateModdleProperties(element, loop, changes);
    }

    function idTaken(id, element) {
      var owner = moddle.ids.assigned(id);
      return owner && owner !== element.businessObject;
    }

    return {
      spiffProperties: spiffProperties, setSpiffProperty: setSpiffProperty,
      spiffText: spiffText, setSpiffText: setSpiffText,
      expression: expression, bodyOf: bodyOf, timerOf: timerOf, timerValue: timerValue, setTimer: setTimer,
      refName: refName, setLoop: setLoop, idTaken: idTaken,
      update: function (element, props) { modeling.updateProperties(element, props); }
    };
  }

  NS.BpmnProps = BpmnProps;
  NS.roleKey = function (lane) {
    return (lane || '').trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  };
})();
