// Marks the page as scripted before it is drawn, as the NHS.UK page template does, so components such as
// conditional reveals start folded instead of flashing open.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
