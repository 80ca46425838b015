/**
 * h(): builds elements from data without innerHTML, so a rule id, an error message or anything
 * else the service answers is always text, never markup.
 */

type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  /** data-* attributes (the browser test finds elements by them). */
  data?: Record<string, string>;
  title?: string;
  type?: string;
  onClick?: (event: MouseEvent) => void;
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.title) element.title = props.title;
  if (props.type) element.setAttribute('type', props.type);
  for (const [key, value] of Object.entries(props.data ?? {})) element.dataset[key] = value;
  for (const [key, value] of Object.entries(props.attrs ?? {})) element.setAttribute(key, value);
  const onClick = props.onClick;
  if (onClick) element.addEventListener('click', (event) => onClick(event as MouseEvent));
  append(element, children);
  return element;
}

/** Replaces the children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** A rate for people: "0", "0.25", "12.5", "1,234". */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(2).replace(/\.?0+$/, '');
  if (perSecond < 100) return perSecond.toFixed(1).replace(/\.0$/, '');
  return Math.round(perSecond).toLocaleString('en-US');
}
