// Preview runtime for the content origin: SCORM 1.2 (window.API) and 2004 (window.API_1484_11) that keep values in
// memory and record nothing, so authors can click through a package before learners take it. Content finds these
// in its parent frame (this wrapper page), on its own origin. The tracking runtime is the player's, not this.
(function () {
  'use strict';
  var values = {};
  var lastError = '0';
  var learner = document.documentElement.dataset.learner || 'Preview, Author';

  function defaults12() {
    return {
      'cmi.core.student_id': 'preview', 'cmi.core.student_name': learner, 'cmi.core.lesson_status': 'not attempted',
      'cmi.core.entry': 'ab-initio', 'cmi.core.lesson_mode': 'normal', 'cmi.core.credit': 'no-credit',
      'cmi.core.lesson_location': '', 'cmi.suspend_data': '', 'cmi.launch_data': '', 'cmi.core.score.raw': '',
      'cmi.core.total_time': '0000:00:00', 'cmi.core._children': 'student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time',
    };
  }
  function defaults2004() {
    return {
      'cmi.learner_id': 'preview', 'cmi.learner_name': learner, 'cmi.completion_status': 'unknown', 'cmi.success_status': 'unknown',
      'cmi.entry': 'ab-initio', 'cmi.mode': 'normal', 'cmi.credit': 'no-credit', 'cmi.location': '', 'cmi.suspend_data': '',
      'cmi.launch_data': '', 'cmi.total_time': 'PT0S', 'cmi.interactions._count': '0', 'cmi.objectives._count': '0',
    };
  }
  function get(name, fallback) {
    lastError = '0';
    if (Object.prototype.hasOwnProperty.call(values, name)) return String(values[name]);
    return fallback;
  }
  function set(name, value) {
    lastError = '0';
    values[name] = String(value);
    var m = /^cmi\.(interactions|objectives)\.(\d+)\./.exec(name);
    if (m) {
      var countKey = 'cmi.' + m[1] + '._count';
      values[countKey] = String(Math.max(Number(values[countKey] || 0), Number(m[2]) + 1));
    }
    return 'true';
  }
  var ok = function () { lastError = '0'; return 'true'; };
  var errorString = function (code) { return code === '0' || code === 0 ? 'No error' : 'Preview runtime'; };

  window.API = {
    LMSInitialize: function () { values = defaults12(); return ok(); },
    LMSFinish: ok, LMSCommit: ok,
    LMSGetValue: function (name) { return get(name, ''); },
    LMSSetValue: set,
    LMSGetLastError: function () { return lastError; },
    LMSGetErrorString: errorString,
    LMSGetDiagnostic: function () { return ''; },
  };
  window.API_1484_11 = {
    Initialize: function () { values = defaults2004(); return ok(); },
    Terminate: ok, Commit: ok,
    GetValue: function (name) { return get(name, ''); },
    SetValue: set,
    GetLastError: function () { return lastError; },
    GetErrorString: errorString,
    GetDiagnostic: function () { return ''; },
  };
})();
