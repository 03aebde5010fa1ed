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

// Player: before leaving an item (another item, exit), ask the content-origin runtime to save what the content
// set; continue when it answers, or after two seconds at most.
document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-leave]');
  const player = document.querySelector('.player');
  const frame = document.getElementById('sco');
  if (!link || !player || !frame?.contentWindow || event.defaultPrevented || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  const origin = player.dataset.contentOrigin;
  let gone = false;
  const go = () => { if (!gone) { gone = true; window.location.href = link.href; } };
  window.addEventListener('message', (message) => {
    if (message.origin === origin && message.data?.type === 'sun:left') go();
  });
  frame.contentWindow.postMessage({ type: 'sun:leave' }, origin);
  setTimeout(go, 2000);
});
