// Progressive touches only: every page works without this file.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  // Flashed messages fade after a while; errors stay until the next page.
  for (const item of document.querySelectorAll(".flash:not(.error)")) {
    setTimeout(() => item.classList.add("faded"), 6000);
  }
});
