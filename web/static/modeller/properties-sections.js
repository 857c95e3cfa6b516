// The properties panel's sections, one per kind of element, for what Six Gates reads:
// lanes (roles), user tasks (form, due date, stage, who may do it), gateway conditions, timers,
// multi-instance activities, scripts and decision tasks. Everything executable is Python.
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
  var PYTHON = 'Python, not FEEL or JUEL. ';

  function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }

  function kindName(type) {
    return type.replace(/^bpmn:/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  }

  function general(element, bo, ui) {
    var p = ui.props;
    return ui.section(kindName(bo.$type) + ' ' + bo.id, [
      ui.field({ key: 'id', label: 'ID', value: bo.id, hint: 'Letters, digits and _ . -; unique in the diagram. ' +
        'Other elements and running projects refer to it.',
        check: function (v) {
          if (!ID.test(v)) { return 'An ID starts with a letter or _ and holds only letters, digits, _ . and -.'; }
          return p.idTaken(v, element) ? 'Another element already has the ID ' + v + '.' : '';
        },
        apply: function (v) { p.update(element, { id: v }); } }),
      is(bo, 'bpmn:Definitions') ? null : ui.field({ key: 'name', label: 'Name', kind: 'textarea', rows: 2,
        value: bo.name, apply: function (v) { p.update(element, { name: v || undefined }); } })
    ]);
  }

  function lane(element, bo, ui) {
    var role = NS.roleKey(bo.name);
    var known = ui.context.roles.indexOf(role) >= 0;
    return ui.section('Role', [
      ui.note(role ? 'Tasks in this lane are for the role ' + role + (known ? ' (a known role).' :
        ': not a known role, so nobody could do them. Known roles: ' + ui.context.roles.join(', ') + '.')
        : 'Give the lane a name: its name is the role (“Hub team” is hub_team).', known ? '' : 'warning')
    ]);
  }

  // The user task's properties are declared on the server (engine/kernel/task_rules.py); each kind of
  // property gets its control here.
  function userTask(element, bo, ui) {
    var p = ui.props;
    var values = p.spiffProperties(bo);
    var names = ui.context.forms();
    function options(list, current) {
      var opts = [['', '(none)']].concat(list.map(function (n) { return [n, n]; }));
      if (current && list.indexOf(current) < 0) { opts.push([current, current + ' (missing from this draft)']); }
      return opts;
    }
    var others = ui.modeler.get('elementRegistry').filter(function (e) {
      return e.type === 'bpmn:UserTask' && e.id !== element.id;
    }).map(function (e) { return [e.id, (e.businessObject.name || e.id) + ' (' + e.id + ')']; });
    var controls = {
      'form': function (key) {
        return { kind: 'select', options: options(names.filter(function (n) { return !/\.uischema\.json$/.test(n); }),
          values[key]) };
      },
      'form-layout': function (key) {
        return { kind: 'select', options: options(names.filter(function (n) { return /\.uischema\.json$/.test(n); }),
          values[key]) };
      },
      'duration': function (key, declared) {
        var pattern = new RegExp(declared.pattern);
        return { check: function (v) {
          return v && !pattern.test(v.trim()) ? 'Write a duration such as P10D or P2W.' : '';
        } };
      },
      'stage': function () { return { list: ui.context.stages }; },
      'user-task': function () { return { kind: 'select', options: [['', '(no restriction)']].concat(others) }; },
      'text': function () { return {}; }
    };
    return ui.section('Form and who does it', ui.context.taskProperties.map(function (declared) {
      var key = declared.name;
      return ui.field(Object.assign({ key: key, label: declared.label, hint: declared.hint, value: values[key],
        apply: function (v) { p.setSpiffProperty(element, key, v.trim()); } }, (controls[declared.kind] || controls.text)(key, declared)));
    }));
  }

  function flow(element, bo, ui) {
    var p = ui.props;
    var source = bo.sourceRef;
    if (!is(source, 'bpmn:ExclusiveGateway') && !is(source, 'bpmn:InclusiveGateway')) { return null; }
    var isDefault = source.default === bo;
    var sourceShape = ui.modeler.get('elementRegistry').get(source.id);
    return ui.section('Condition', [
      ui.field({ key: 'default', label: 'Default flow: taken when no condition is true', kind: 'checkbox',
        value: isDefault, apply: function (v) { p.update(sourceShape, { 'default': v ? bo : undefined }); } }),
      ui.field({ key: 'condition', label: 'Condition (Python)', kind: 'textarea', value: p.bodyOf(bo.conditionExpression),
        disabled: isDefault, hint: PYTHON + 'An expression on the project data, for example gate1_decision == "approve".',
        apply: function (v) { p.update(element, { conditionExpression: p.expression(v.trim()) }); } })
    ]);
  }

  function timer(element, bo, ui) {
    var definition = ui.props.timerOf(bo);
    if (!definition) { return null; }
    var value = ui.props.timerValue(definition);
    var kind = value.kind;
    return ui.section('Timer', [
      ui.field({ key: 'timer-kind', label: 'Kind', kind: 'select', value: kind,
        options: [['timeDuration', 'Duration: after a while'], ['timeDate', 'Date: at a moment'],
          ['timeCycle', 'Cycle: repeatedly']],
        apply: function (v) { ui.props.setTimer(element, definition, v, value.text); } }),
      ui.field({ key: 'timer-expression', label: 'When (Python)', value: value.text,
        hint: PYTHON + 'A Python string, in quotes: "P10D" for ten days, "R3/P1W" for three weekly cycles, ' +
          'or an expression such as review_date + "T09:00:00+00:00".',
        apply: function (v) { ui.props.setTimer(element, definition, kind, v.trim()); } })
    ]);
  }

  function multiInstance(element, bo, ui) {
    var loop = bo.loopCharacteristics;
    if (!is(loop, 'bpmn:MultiInstanceLoopCharacteristics')) { return null; }
    var p = ui.props;
    function item(key, label, value, hint) {
      return ui.field({ key: 'mi-' + key, label: label, value: value, hint: hint,
        check: function (v) { return v && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? 'Use a Python variable name.' : ''; },
        apply: function (v) { p.setLoop(element, key, v.trim()); } });
    }
    var both = loop.loopDataInputRef && loop.loopCardinality;
    return ui.section('Repeated for each item (multi-instance)', [
      ui.field({ key: 'mi-sequential', label: 'One after another (not all at once)', kind: 'checkbox',
        value: loop.isSequential, apply: function (v) { p.setLoop(element, 'isSequential', v); } }),
      item('loopDataInputRef', 'Collection', p.refName(loop.loopDataInputRef),
        'The data variable holding the list to go through (one instance per item). Give this or a cardinality.'),
      ui.field({ key: 'mi-cardinality', label: 'Cardinality (Python)', value: p.bodyOf(loop.loopCardinality),
        hint: PYTHON + 'How many instances, for example tracking_periods.',
        apply: function (v) { p.setLoop(element, 'loopCardinality', v.trim()); } }),
      both ? ui.note('Give a collection or a cardinality, not both: SpiffWorkflow refuses both.', 'warning') : null,
      item('inputDataItem', 'Item variable', loop.inputDataItem ? loop.inputDataItem.id : '',
        'The name each instance sees its item under (for example partner).'),
      item('loopDataOutputRef', 'Output collection', p.refName(loop.loopDataOutputRef),
        'Optional: the variable collecting each instance\'s result.'),
      item('outputDataItem', 'Output item variable', loop.outputDataItem ? loop.outputDataItem.id : '',
        'Optional: the variable each instance leaves its result in.'),
      ui.field({ key: 'mi-completion', label: 'Completion condition (Python)', value: p.bodyOf(loop.completionCondition),
        hint: PYTHON + 'Optional: stop early when this is true.',
        apply: function (v) { p.setLoop(element, 'completionCondition', v.trim()); } })
    ]);
  }

  function scripts(element, bo, ui) {
    var p = ui.props;
    var fields = [];
    if (is(bo, 'bpmn:ScriptTask')) {
      fields.push(ui.field({ key: 'script', label: 'Script (Python)', kind: 'textarea', rows: 8, value: bo.script,
        hint: 'Python statements run in a restricted sandbox: no imports, files or network.',
        apply: function (v) { p.update(element, { script: v, scriptFormat: bo.scriptFormat || 'python' }); } }));
    }
    if (is(bo, 'bpmn:BusinessRuleTask')) {
      fields.push(ui.field({ key: 'decision', label: 'Decision ID', value: p.spiffText(bo, 'CalledDecisionId'),
        hint: 'The id of the decision in one of the draft\'s decision tables.',
        apply: function (v) { p.setSpiffText(element, 'CalledDecisionId', v.trim()); } }));
    }
    ['PreScript', 'PostScript'].forEach(function (type) {
      fields.push(ui.field({ key: type, label: (type === 'PreScript' ? 'Before' : 'After') + ' the task (Python)',
        kind: 'textarea', value: p.spiffText(bo, type), hint: 'Optional Python statements.',
        apply: function (v) { p.setSpiffText(element, type, v); } }));
    });
    return ui.section('Scripts', fields);
  }

  NS.propertySections = function (element, ui) {
    var target = element.labelTarget || element;
    var bo = target.businessObject;
    var sections = [general(target, bo, ui)];
    if (is(bo, 'bpmn:Lane')) { sections.push(lane(target, bo, ui)); }
    if (is(bo, 'bpmn:UserTask')) { sections.push(userTask(target, bo, ui)); }
    if (is(bo, 'bpmn:SequenceFlow')) { sections.push(flow(target, bo, ui)); }
    if (is(bo, 'bpmn:Event')) { sections.push(timer(target, bo, ui)); }
    if (is(bo, 'bpmn:Activity')) { sections.push(multiInstance(target, bo, ui)); }
    if (is(bo, 'bpmn:Task')) { sections.push(scripts(target, bo, ui)); }
    if (target === ui.modeler.get('canvas').getRootElement()) {
      sections.push(ui.note('Select an element on the diagram to see and change its properties.'));
    }
    return sections.filter(Boolean);
  };
})();
