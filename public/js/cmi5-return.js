// The AU's returnURL: when the AU played in the player's frame, take the whole window back to the course page.
(function () {
  var box = document.getElementById('cmi5-return');
  if (!box) return;
  var target = box.getAttribute('data-target');
  if (window.top !== window.self) window.top.location.href = target;
  else window.location.replace(target);
})();
