// An OwnWindow cmi5 unit takes the whole window: follow its launch link at once (the link stays for no-script).
(function () {
  var link = document.getElementById('cmi5-open');
  if (link) window.location.replace(link.href);
})();
