// A tiny element builder: text always goes through textContent, so nothing from the pipeline's state (error
// messages, table names) is ever parsed as HTML.

/** el('td', { class: 'num', 'data-testid': 'x' }, 'text', childElement) */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function byTestId(root, testId) {
  return root.querySelector(`[data-testid="${testId}"]`);
}

/** Sets the text of the element with this test id, if the page has it. */
export function setText(root, testId, text) {
  const element = byTestId(root, testId);
  if (element) element.textContent = text;
}
