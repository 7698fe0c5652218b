/**
 * File transfer as a person does it (PROTOCOL.md §9): files picked with the chat's "Send a file"
 * button, accepted, and the saved bytes hashed where they landed — a download's Blob, or the file
 * the save dialog gave (the dialog is the browser's own UI, so the test answers it with a file of
 * the page's private file system, written through the same `createWritable()` as a real one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ElementHandle } from 'puppeteer-core';
import type { Person } from './person.js';

export interface TestFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
}

/** A temporary folder for the test's files, removed after it. */
export async function fileFolder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rtc-call-files-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes `size` random bytes to `dir/name`; `sparse`: a file of zeros that takes no disk space and no
 * time to make (its `sha256` is left empty), for transfers that are meant to be cut short.
 */
export async function makeFile(dir: string, name: string, size: number, content: 'random' | 'sparse' = 'random'): Promise<TestFile> {
  const path = join(dir, name);
  if (content === 'sparse') {
    await writeFile(path, '');
    await truncate(path, size);
    return { path, name, size, sha256: '' };
  }
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = 1024 * 1024;
  for (let written = 0; written < size; written += block) {
    const chunk = randomBytes(Math.min(block, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { path, name, size, sha256: hash.digest('hex') };
}

/** Picks `files` with the chat's "Send a file" button (the open chat must be the recipient's). */
export async function sendFiles(person: Person, files: readonly TestFile[]): Promise<void> {
  const button = await person.part('file-send');
  const input = (await button.evaluateHandle((el) =>
    el.parentElement!.querySelector('input[type=file]'),
  )) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(...files.map((f) => f.path));
}

/** The transfer of `name` in the person's list. */
export function transfer(person: Person, name: string, timeout = 15_000): Promise<ElementHandle<Element>> {
  return person.part('file', { text: name, timeout });
}

/** Waits until the transfer of `name` shows `status` (a part of its status line). */
export async function waitForStatus(person: Person, name: string, status: string, timeout = 60_000): Promise<void> {
  const item = await transfer(person, name);
  await person.part('file-status', { within: item, text: status, timeout });
}

/** Clicks one of a transfer's buttons (`file-accept`, `file-cancel`, …). */
export async function clickOn(person: Person, name: string, button: string): Promise<void> {
  await person.click(button, { within: await transfer(person, name) });
}

const SAVED_PREFIX = 'e2e-saved-';

/**
 * Chromium offers a save dialog on Accept (`showSaveFilePicker`): answer it with a file of the
 * page's private file system, as a person would pick a place on disk.
 */
export async function answerSaveDialog(person: Person): Promise<boolean> {
  return person.page.evaluate((prefix: string) => {
    if (!('showSaveFilePicker' in window)) return false;
    Object.assign(window, {
      showSaveFilePicker: async (options: { suggestedName: string }) =>
        (await navigator.storage.getDirectory()).getFileHandle(prefix + options.suggestedName, { create: true }),
    });
    return true;
  }, SAVED_PREFIX);
}

/** SHA-256 (hex) of what the recipient saved of `name`: the download's Blob, else the file the save dialog gave. */
export async function savedSha256(person: Person, name: string): Promise<string | null> {
  const item = await transfer(person, name);
  return person.page.evaluate(
    async (el: Element, fileName: string, prefix: string) => {
      const w = window as unknown as { __e2eFindParts(n: string, r: Element): Element[] };
      const link = w.__e2eFindParts('file-save', el)[0] as HTMLAnchorElement | undefined;
      let bytes: ArrayBuffer;
      if (link) bytes = await (await fetch(link.href)).arrayBuffer();
      else {
        const handle = await (await navigator.storage.getDirectory()).getFileHandle(prefix + fileName).catch(() => null);
        if (!handle) return null;
        bytes = await (await handle.getFile()).arrayBuffer();
      }
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    item,
    name,
    SAVED_PREFIX,
  );
}

/** Whether the recipient was offered `name` to save (a download link): never for a file that did not complete. */
export async function offeredToSave(person: Person, name: string): Promise<boolean> {
  return person.hasPart('file-save', { within: await transfer(person, name) });
}
