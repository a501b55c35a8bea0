/**
 * A tiny element builder. Text is only ever set with `textContent` (strings become text nodes),
 * never as HTML: user content cannot inject markup.
 */
export type Child = Node | string | number | false | null | undefined;

export interface Props {
  class?: string;
  testid?: string;
  title?: string;
  /** Other attributes (set with setAttribute, so values are plain strings). */
  attrs?: Record<string, string | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.testid) element.dataset.testid = props.testid;
  if (props.title) element.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) if (value !== undefined) element.setAttribute(name, value);
  for (const [event, listener] of Object.entries(props.on ?? {})) element.addEventListener(event, listener as EventListener);
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, testid: string): T {
  const element = root.querySelector<T>(`[data-testid="${testid}"]`);
  if (!element) throw new Error(`no element ${testid}`);
  return element;
}
