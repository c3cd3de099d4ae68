// tactful's only script: the "Copy the draft" buttons, the record form showing only the fields
// of the event chosen, and a diagram wider than the screen scrolled to the state marked. Everything else works without JavaScript (then every field shows, each
// saying which event it is for).
"use strict";
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copied");
  try {
    await navigator.clipboard.writeText(source.textContent);
    if (status) status.textContent = "Copied.";
  } catch (error) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (status) status.textContent = "Selected: press Ctrl+C to copy.";
  }
});

function showEventFields(select) {
  for (const field of select.form.querySelectorAll(".event-field")) {
    const takes = field.dataset.events.split(" ").includes(select.value);
    field.hidden = !takes;
    for (const input of field.querySelectorAll("input, select")) input.disabled = !takes;
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[name=event]")) showEventFields(event.target);
});
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("form.record select[name=event]")) showEventFields(select);
  for (const box of document.querySelectorAll(".diagram-box")) {
    const state = box.querySelector("[data-current]") || box.querySelector("[data-state]");
    if (!state || box.scrollWidth <= box.clientWidth) continue;
    const shown = state.getBoundingClientRect(), frame = box.getBoundingClientRect();
    box.scrollLeft += shown.left + shown.width / 2 - (frame.left + frame.width / 2);
  }
});
