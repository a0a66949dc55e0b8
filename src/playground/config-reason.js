// Below a config picker: the whole reason the chosen config cannot be used (the option text shortens it), so the
// variable or field to fix is always visible. Kept apart from the sidebar so the picker code stays small.

/**
 * Shows the full reason for the selected config in `reasonElement`, now and whenever the choice changes.
 * @param {HTMLSelectElement} select
 * @param {HTMLElement} reasonElement
 * @param {() => import('./sidebar.js').ConfigSummary[]} configs the current list (it changes when configs change)
 */
export function followConfigReason(select, reasonElement, configs) {
  const update = () => {
    const chosen = configs().find((config) => config.file === select.value);
    const reason = chosen?.error ? `${chosen.name} cannot be used: ${chosen.error.message}` : '';
    reasonElement.textContent = reason;
    reasonElement.hidden = reason === '';
  };
  select.addEventListener('change', update);
  update();
  return update;
}
