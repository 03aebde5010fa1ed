// The tracking runtime, on the content origin. It gives the SCO window.API (1.2) or window.API_1484_11 (2004)
// from scorm-again in this parent frame (same origin as the content, so the standard API discovery finds it),
// seeds the CMI the server prepared, and commits to this origin with the real server answer (synchronous XHR, as
// SCORM requires). If the learner leaves without the content terminating, the final state goes by sendBeacon.
(function () {
  'use strict';
  var launch = JSON.parse(document.getElementById('launch').textContent);
  var lastSequence = 0;
  var finished = false;
  var settings = {
    lmsCommitUrl: launch.commitUrl,
    dataCommitFormat: 'json',
    includeCommitSequence: true,
    renderCommonCommitFields: true,
    terminateCommitParam: 'final',
    autocommit: true,
    autocommitSeconds: 30,
    logLevel: 4,
    requestHandler: function (commit, meta) {
      if (meta && typeof meta.sequence === 'number') lastSequence = Math.max(lastSequence, meta.sequence);
      return commit;
    },
  };
  var Api = window.ScormAgain || window;
  var api = launch.standard === 'scorm12' ? new Api.Scorm12API(settings) : new Api.Scorm2004API(settings);
  api.loadFromJSON(launch.cmi, '');
  if (launch.standard === 'scorm12') window.API = api;
  else window.API_1484_11 = api;

  function tell(type) {
    if (window.parent !== window) window.parent.postMessage({ type: type, item: launch.item }, launch.appOrigin);
  }
  api.on(launch.standard === 'scorm12' ? 'LMSFinish' : 'Terminate', function () {
    finished = true;
    tell('sun:terminated');
  });
  api.on(launch.standard === 'scorm12' ? 'LMSInitialize' : 'Initialize', function () { tell('sun:initialized'); });

  // Leaving without Terminate (another item chosen, Save and exit, tab closed): keep what the content set, as a
  // suspend, so nothing is lost and the next launch resumes. Asked by the player page, we terminate on the
  // content's behalf through the API (a normal, synchronous final commit); when the page is already going away,
  // synchronous requests are not allowed, so the final state goes by beacon.
  var exitKey = launch.standard === 'scorm12' ? 'cmi.core.exit' : 'cmi.exit';
  var exitSetByContent = false;
  api.on((launch.standard === 'scorm12' ? 'LMSSetValue.' : 'SetValue.') + exitKey, function () { exitSetByContent = true; });
  function markSuspended() {
    // cmi.exit is write-only, so we remember whether the content set it rather than reading it back.
    if (exitSetByContent) return;
    if (launch.standard === 'scorm12') api.LMSSetValue(exitKey, 'suspend'); else api.SetValue(exitKey, 'suspend');
  }
  function terminateNow() {
    if (finished || !api.isInitialized()) return;
    markSuspended();
    if (launch.standard === 'scorm12') api.LMSFinish(''); else api.Terminate('');
  }
  function beaconNow() {
    if (finished || !api.isInitialized()) return;
    finished = true;
    markSuspended();
    var body = api.renderCommitObject(true);
    body.commitSequence = lastSequence + 1;
    var blob = new Blob([JSON.stringify(body)], { type: 'text/plain;charset=UTF-8' });
    if (!(navigator.sendBeacon && navigator.sendBeacon(launch.commitUrl + '?final=true', blob))) {
      fetch(launch.commitUrl + '?final=true', { method: 'POST', body: blob, keepalive: true });
    }
  }
  window.addEventListener('pagehide', beaconNow);
  window.addEventListener('message', function (event) {
    if (event.origin !== launch.appOrigin || !event.data || event.data.type !== 'sun:leave') return;
    terminateNow();
    tell('sun:left');
  });

  document.getElementById('content').src = launch.contentUrl;
})();
