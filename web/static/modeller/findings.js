// The list of check findings under the toolbar: each one naming an element is a button that shows
// that element (on the diagram, or in its decision table or form).
(function () {
  'use strict';

  var NS = window.SixGates = window.SixGates || {};
  var box = document.getElementById('findings');
  if (!box) { return; }
  var title = document.getElementById('findings-title');
  var list = document.getElementById('findings-list');
  var outcome = document.getElementById('deploy-outcome');

  function item(finding) {
    var li = document.createElement('li');
    li.className = 'finding finding--' + (finding.severity === 'warning' ? 'warning' : 'error');
    var label = document.createElement('strong');
    label.textContent = finding.severity === 'warning' ? 'Warning: ' : 'Problem: ';
    li.appendChild(label);
    li.appendChild(document.createTextNode(finding.message + ' '));
    if (finding.element_id || finding.file) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = 'Show ' + (finding.element_id || finding.file) +
        (finding.file ? ' in ' + finding.file : '');
      button.addEventListener('click', function () { NS.focusElement(finding); });
      li.appendChild(button);
    }
    return li;
  }

  function show(findings, heading) {
    list.textContent = '';
    outcome.hidden = true;
    title.textContent = heading + (findings.length ? '' : ': nothing to report');
    findings.forEach(function (finding) { list.appendChild(item(finding)); });
    box.hidden = false;
  }

  function link(href, text) {
    var a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    return a;
  }

  function deployed(result) {
    show([], 'Deployed');
    var v = result.version;
    outcome.textContent = '';
    var p = document.createElement('p');
    p.appendChild(document.createTextNode((result.created ? 'Deployed as ' : 'Already deployed, as ') +
      v.key + ' version ' + v.version + '. '));
    p.appendChild(link(result.version_url, 'See the new version'));
    if (result.migrate_url) {
      p.appendChild(document.createTextNode(' or '));
      p.appendChild(link(result.migrate_url, 'move projects to it'));
    }
    p.appendChild(document.createTextNode('.'));
    outcome.appendChild(p);
    outcome.hidden = false;
    NS.say('Deployed as ' + v.key + ' version ' + v.version + '.', 'ok');
  }

  NS.findings = { show: show, deployed: deployed };
})();
