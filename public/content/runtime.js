// The tracking runtime, on the content origin. It gives the SCO window.API (1.2) or window.API_1484_11 (2004)
// from scorm-again in this parent frame (same origin as the content, so the standard API discovery finds it),
// seeds the CMI the server prepared, and commits to this origin with the real server answer (synchronous XHR, as
// SCORM requires).
//
// Leaving is where LMSs lose data. Browsers refuse synchronous requests while a page unloads, which is exactly
// when content calls Terminate. So once leaving starts, commits go by sendBeacon instead; and when the player
// moves on, the content is unloaded first (its own unload handlers set exit and terminate), and only if it did
// not terminate do we do it for it, as a suspend, so the next launch resumes. This page itself stays while its
// content unloads, so that final commit is still synchronous: the server has it before the player navigates.
//
// SCORM 2004: the final commit carries adl.nav.request; the server's sequencer processes it and answers whether
// it now delivers another activity, which the player then opens.
(function () {
  'use strict';
  var launch = JSON.parse(document.getElementById('launch').textContent);
  var leaving = false;
  var finished = false;
  var sequencing = null;

  function beacon(url, body) {
    var blob = new Blob([body], { type: 'text/plain;charset=UTF-8' });
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, blob))) fetch(url, { method: 'POST', body: blob, keepalive: true });
    return { result: true, errorCode: 0 };
  }

  var httpService = {
    updateSettings: function () {},
    processHttpRequest: function (url, params, immediate, apiLog, processListeners, metadata) {
      var body = JSON.stringify(withNavRequest(params, metadata));
      if (leaving) return beacon(url, body);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url, false);
      xhr.setRequestHeader('Content-Type', 'application/json');
      try {
        xhr.send(body);
      } catch (e) {
        // The browser refused a synchronous request (page dismissal): the beacon still delivers the data.
        return beacon(url, body);
      }
      try {
        var answer = JSON.parse(xhr.responseText);
        if (answer.sequencing) sequencing = answer.sequencing;
        return { result: answer.result === true, errorCode: Number(answer.errorCode) || 0 };
      } catch (e) {
        return { result: false, errorCode: launch.standard === 'scorm12' ? 101 : 391 };
      }
    },
  };

  /** The final 2004 commit also carries the content's navigation request for the server's sequencer. */
  function withNavRequest(commit, metadata) {
    var request = api.adl && api.adl.nav ? api.adl.nav.request : null;
    if (metadata && metadata.isTerminateCommit && request) commit.navRequest = request;
    return commit;
  }

  var settings = {
    lmsCommitUrl: launch.commitUrl,
    dataCommitFormat: 'json',
    includeCommitSequence: true,
    renderCommonCommitFields: true,
    terminateCommitParam: 'final',
    autocommit: true,
    autocommitSeconds: 30,
    logLevel: 4,
    httpService: httpService,
  };
  var api = launch.standard === 'scorm12' ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
  api.loadFromJSON(launch.cmi, '');
  if (launch.standard === 'scorm12') window.API = api;
  else window.API_1484_11 = api;

  function tell(type) {
    if (window.parent !== window) window.parent.postMessage({ type: type, item: launch.item, sequencing: sequencing }, launch.appOrigin);
  }
  var scorm12 = launch.standard === 'scorm12';
  api.on(scorm12 ? 'LMSFinish' : 'Terminate', function () {
    finished = true;
    tell('sun:terminated');
  });

  var exitKey = scorm12 ? 'cmi.core.exit' : 'cmi.exit';
  var exitSetByContent = false;
  api.on((scorm12 ? 'LMSSetValue.' : 'SetValue.') + exitKey, function () { exitSetByContent = true; });

  /** Terminates for content that did not, keeping its data as a suspend (cmi.exit is write-only: we remember). */
  function terminateForContent() {
    if (finished || !api.isInitialized()) return;
    if (!exitSetByContent) {
      if (scorm12) api.LMSSetValue(exitKey, 'suspend'); else api.SetValue(exitKey, 'suspend');
    }
    if (scorm12) api.LMSFinish(''); else api.Terminate('');
  }

  var frame = document.getElementById('content');
  window.addEventListener('pagehide', function () {
    leaving = true;
    terminateForContent();
  });
  window.addEventListener('message', function (event) {
    if (event.origin !== launch.appOrigin || !event.data || event.data.type !== 'sun:leave') return;
    frame.addEventListener('load', function unloaded() {
      frame.removeEventListener('load', unloaded);
      terminateForContent();
      tell('sun:left');
    });
    frame.src = 'about:blank';
  });

  frame.src = launch.contentUrl;
})();
