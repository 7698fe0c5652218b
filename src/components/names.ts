/**
 * How the elements show people's names. Every name is someone else's text, so
 * it is always isolated (`<bdi>` in markup, FSI … PDI in attributes) and can
 * never reorder the sentence around it. People whose names look the same in
 * the current list get a short tag derived from their user id ("Alice · #3f2a"):
 * the list shows no email (privacy), and the id is stable and not chosen by
 * the person, so nobody can copy someone else's tag.
 */
import { html, nothing } from 'lit';
import { isolateText, nameKey } from '../protocol/names.js';
import type { SessionState } from '../core/types.js';
import { signInTexts } from '../core/texts-sign-in.js';

interface Person {
  id: string;
  name: string;
}

/** Tags start this long and grow until they tell the colliding people apart. */
const MIN_TAG_LENGTH = 4;

/** 32-bit FNV-1a of `text` from `seed`, as 8 hex digits. */
function fnv1a(text: string, seed: number): string {
  let hash = seed;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** 16 hex digits derived from a user id: the same id gives the same tag on every screen. */
function idDigest(id: string): string {
  return fnv1a(id, 0x811c9dc5) + fnv1a(id, 0x050c5d1f);
}

/**
 * The tag of each person whose name collides (by `nameKey`) with another
 * person's in `people`; people with a unique name get none. Tags are the
 * shortest digest prefix (at least 4) that differs within each group; if even
 * the full digest collides, the id itself is used.
 */
export function nameTags(people: readonly Person[]): Map<string, string> {
  const groups = new Map<string, Person[]>();
  for (const person of people) {
    const key = nameKey(person.name);
    const group = groups.get(key) ?? [];
    if (!group.some((p) => p.id === person.id)) group.push(person);
    groups.set(key, group);
  }
  const tags = new Map<string, string>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const digests = group.map((p) => idDigest(p.id));
    let length = MIN_TAG_LENGTH;
    while (length <= 16 && new Set(digests.map((d) => d.slice(0, length))).size < group.length) length += 1;
    group.forEach((p, i) => tags.set(p.id, length <= 16 ? (digests[i] as string).slice(0, length) : p.id));
  }
  return tags;
}

/** Tags for everyone the widget may name now: the people online and the person in the call. */
export function sessionNameTags(state: SessionState | undefined): Map<string, string> {
  if (!state) return new Map();
  const call = state.call;
  const people: Person[] = call && !state.peers.some((p) => p.id === call.peer.id) ? [...state.peers, call.peer] : state.peers;
  return nameTags(people);
}

/** A name for attributes and announcements: isolated, with its tag when it has one. */
export function nameText(name: string, tag: string | undefined): string {
  return tag ? `${isolateText(name)} · #${tag}` : isolateText(name);
}

/** A name in markup: isolated in `<bdi>`, its tag (when it has one) in a muted span after it. */
export function renderName(name: string, tag: string | undefined) {
  return html`<bdi class="person-name">${name}</bdi>${
      tag ? html`<span class="name-tag" title=${signInTexts.nameTagTitle}> · #${tag}</span>` : nothing
    }`;
}

/** One FSI … PDI isolate (the catalogue wraps names in them) and the text around it. */
const ISOLATE = /\u2068([^\u2068\u2069]*)\u2069/u;

/**
 * A sentence of the catalogue in markup: each FSI … PDI isolate becomes a `<bdi>`, the
 * same isolation, so the page reads (and copies) the name without invisible marks.
 */
export function renderText(text: string): unknown[] {
  const out: unknown[] = [];
  let rest = text;
  for (let found = ISOLATE.exec(rest); found; found = ISOLATE.exec(rest)) {
    out.push(rest.slice(0, found.index), html`<bdi>${found[1]}</bdi>`);
    rest = rest.slice(found.index + found[0].length);
  }
  out.push(rest);
  return out;
}

/** Stands for the name while a sentence is built, so the name's markup can take its place. */
const NAME_SLOT = '\u0000';

/**
 * A catalogue sentence about a person in markup: `sentence` built around the name, with
 * `renderName`'s `<bdi>` and tag where the name goes.
 */
export function renderAbout(sentence: (name: string) => string, name: string, tag: string | undefined): unknown[] {
  const [before = '', ...after] = sentence(NAME_SLOT).split(isolateText(NAME_SLOT));
  return [before, renderName(name, tag), after.join('')];
}

/** A catalogue sentence about a person as text (attributes, labels): the name isolated once, with its tag. */
export function textAbout(sentence: (name: string) => string, name: string, tag: string | undefined): string {
  return sentence(NAME_SLOT).split(isolateText(NAME_SLOT)).join(nameText(name, tag));
}
