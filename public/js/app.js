// Small progressive enhancements on top of htmx. Pages work without this file.
document.addEventListener('htmx:responseError', (event) => {
  // Show the server's message for failed htmx requests (403, 404, 5xx) instead of failing silently.
  const flash = document.getElementById('flash');
  if (!flash) return;
  const holder = document.createElement('div');
  holder.innerHTML = event.detail.xhr.responseText || '';
  const message = holder.querySelector('.error-message')?.textContent?.trim() || 'The request failed. Please reload the page and try again.';
  const alert = document.createElement('div');
  alert.className = 'alert alert-error';
  alert.setAttribute('role', 'alert');
  alert.textContent = message;
  flash.replaceChildren(alert);
});

// Upload progress: htmx reports XHR upload progress; show it on the form's <progress>.
document.addEventListener('htmx:xhr:progress', (event) => {
  const form = event.target.closest?.('[data-upload-progress]');
  if (!form || !event.detail.lengthComputable) return;
  const bar = form.querySelector('.upload-progress');
  const status = form.querySelector('.upload-status');
  const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
  bar.hidden = false;
  bar.value = percent;
  if (status) status.textContent = percent < 100 ? `Uploading… ${percent}%` : 'Uploaded. Starting the import…';
});

// Player: before leaving an item (another item, a navigation request, exit), ask the content-origin runtime to
// unload the content and save what it set; go on when it answers, or after two seconds at most.
let leavingPlayer = false;
function leavePlayer(go) {
  leavingPlayer = true;
  const player = document.querySelector('.player');
  const frame = document.getElementById('sco');
  if (!player || !frame?.contentWindow) return go();
  const origin = player.dataset.contentOrigin;
  let gone = false;
  const once = () => { if (!gone) { gone = true; go(); } };
  window.addEventListener('message', (message) => {
    if (message.origin === origin && message.data?.type === 'sun:left') once();
  });
  frame.contentWindow.postMessage({ type: 'sun:leave' }, origin);
  setTimeout(once, 2000);
}

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-leave]');
  if (!link || !document.getElementById('sco') || event.defaultPrevented || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  leavePlayer(() => { window.location.href = link.href; });
});

document.addEventListener('submit', (event) => {
  const form = event.target.closest?.('form[data-leave]');
  if (!form || !document.getElementById('sco') || event.defaultPrevented) return;
  event.preventDefault();
  // form.submit() drops the button that was pressed; carry its name and value along.
  const pressed = event.submitter;
  if (pressed?.name) {
    const carried = document.createElement('input');
    carried.type = 'hidden';
    carried.name = pressed.name;
    carried.value = pressed.value;
    form.append(carried);
  }
  document.querySelectorAll('form[data-leave] button').forEach((b) => { b.disabled = true; });
  leavePlayer(() => form.submit());
});

// The content ended its session itself. With SCORM 2004 the server's sequencer may have moved on (the content
// asked to continue, or the course ended): reload to show what it delivers. Otherwise say what to do next.
window.addEventListener('message', (message) => {
  const player = document.querySelector('.player');
  if (leavingPlayer || !player || message.origin !== player.dataset.contentOrigin || message.data?.type !== 'sun:terminated') return;
  const next = message.data.sequencing;
  if (next === 'deliver' || next === 'ended') {
    window.location.href = `/player/${player.dataset.registration}`;
    return;
  }
  const ended = document.querySelector('.player-ended');
  if (ended) ended.hidden = false;
});
