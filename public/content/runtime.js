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
//
// The server may refuse a commit for now (503 when this registration has too many commits in flight or a lock is
// held elsewhere, 429 when the launch is over its request budget), always with Retry-After. Such a commit is sent
// again, the same body: its commitSequence makes a repeat harmless. SCORM wants LMSCommit's real answer, so the
// first retries happen inside the call (the synchronous request already holds the frame), with growing pauses, for
// a few seconds at most; after that the call answers false and the commit keeps being retried in the background,
// and by beacon when the page goes, until it is stored or a later commit (which carries the whole CMI) is.
(function () {
  'use strict';
  var launch = JSON.parse(document.getElementById('launch').textContent);
  var leaving = false;
  var finished = false;
  var sequencing = null;
  var generalError = launch.standard === 'scorm12' ? 101 : 391;
  /** Longest a commit call keeps the content waiting while it retries a refusal. */
  var RETRY_WITHIN_CALL_MS = 4000;
  var MAX_PAUSE_MS = 30000;
  /** A refused commit still to be delivered in the background: { url, body, final }. */
  var pending = null;
  var pendingTimer = null;

  function beacon(url, body) {
    var blob = new Blob([body], { type: 'text/plain;charset=UTF-8' });
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, blob))) fetch(url, { method: 'POST', body: blob, keepalive: true });
    return { result: true, errorCode: 0 };
  }

  function retryable(status) {
    return status === 429 || status === 503;
  }

  /** How long to wait before sending again: what Retry-After says, at least `floor`, at most MAX_PAUSE_MS. */
  function pauseFor(retryAfter, floor) {
    var seconds = Number(retryAfter);
    var ms = isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
    return Math.min(Math.max(ms, floor) + Math.random() * 250, MAX_PAUSE_MS);
  }

  /** The frame is already held by the synchronous request; holding it a moment longer is the same to the learner. */
  function pause(ms) {
    var until = Date.now() + ms;
    while (Date.now() < until) { /* wait */ }
  }

  function read(text) {
    try {
      var answer = JSON.parse(text);
      if (answer.sequencing) sequencing = answer.sequencing;
      return { result: answer.result === true, errorCode: Number(answer.errorCode) || 0 };
    } catch (e) {
      return { result: false, errorCode: generalError };
    }
  }

  /** Keeps a refused commit and sends it again later, unless a later commit got through first. */
  function deliverLater(url, body, final, floor) {
    pending = { url: url, body: body, final: final };
    clearTimeout(pendingTimer);
    pendingTimer = setTimeout(function () {
      var sent = pending;
      if (!sent) return;
      fetch(sent.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent.body, keepalive: true })
        .then(function (response) {
          if (pending !== sent) return;
          if (retryable(response.status)) return deliverLater(sent.url, sent.body, sent.final, Math.min(floor * 2, MAX_PAUSE_MS));
          pending = null;
          return response.text().then(read);
        })
        .catch(function () {
          if (pending === sent) deliverLater(sent.url, sent.body, sent.final, Math.min(floor * 2, MAX_PAUSE_MS));
        });
    }, floor);
  }

  var httpService = {
    updateSettings: function () {},
    processHttpRequest: function (url, params, immediate, apiLog, processListeners, metadata) {
      var body = JSON.stringify(withNavRequest(params, metadata));
      var final = Boolean(metadata && metadata.isTerminateCommit);
      if (leaving) return beacon(url, body);
      var waited = 0;
      var floor = 250;
      for (;;) {
        var xhr = new XMLHttpRequest();
        xhr.open('POST', url, false);
        xhr.setRequestHeader('Content-Type', 'application/json');
        try {
          xhr.send(body);
        } catch (e) {
          // The browser refused a synchronous request (page dismissal): the beacon still delivers the data.
          return beacon(url, body);
        }
        if (!retryable(xhr.status)) break;
        var wait = pauseFor(xhr.getResponseHeader('Retry-After'), floor);
        if (waited + wait > RETRY_WITHIN_CALL_MS) {
          deliverLater(url, body, final, wait);
          return { result: false, errorCode: generalError };
        }
        pause(wait);
        waited += wait;
        floor = Math.min(floor * 2, MAX_PAUSE_MS);
      }
      var answer = read(xhr.responseText);
      // This commit carried the whole CMI: an older one still waiting has nothing more to say.
      if (answer.result && pending && !pending.final) {
        pending = null;
        clearTimeout(pendingTimer);
      }
      return answer;
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
    // A refused commit not yet delivered goes now, before the final one (which, if later, supersedes it).
    if (pending) beacon(pending.url, pending.body);
    pending = null;
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
