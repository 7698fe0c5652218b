/**
 * Accounts for a test, made through the backend's real HTTP API with `fetch`
 * (in Node and in a browser alike): the backend's `createUser` and the
 * @open-wc fixtures' `newTestUser` share it.
 */
import { API_PATHS, type ApiErrorBody, type AuthResponse } from '../src/protocol/http.js';

/** A new account: its id and shown name, the e-mail and password to sign in with, and the token registration gave. */
export interface TestUser {
  id: string;
  name: string;
  email: string;
  password: string;
  token: string;
}

let users = 0;

const random = () => Math.random().toString(36).slice(2, 10);

/** Registers an account on the backend at `origin` (a unique e-mail and password unless given). */
export async function registerTestUser(
  origin: string,
  user: Partial<Pick<TestUser, 'name' | 'email' | 'password'>> = {},
): Promise<TestUser> {
  users += 1;
  const account = {
    name: user.name ?? `Tester ${users}`,
    email: user.email ?? `user-${Date.now().toString(36)}-${users}-${random()}@example.test`,
    password: user.password ?? `pw-${random()}-${random()}`,
  };
  const response = await fetch(`${origin}${API_PATHS.register}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const body = (await response.json()) as AuthResponse & Partial<ApiErrorBody>;
  if (response.status !== 201) {
    throw new Error(`registering ${account.email} failed: ${response.status} ${body.error?.message ?? JSON.stringify(body)}`);
  }
  return { ...account, id: body.user.id, name: body.user.name, token: body.token };
}
