import { computed, reactive } from 'vue'
import { authApi } from '@/api/auth'
import { ApiProblem } from '@/api/client'
import type { Me } from '@/api/types'

interface AuthState {
  me: Me | null
  loaded: boolean
}

const state = reactive<AuthState>({ me: null, loaded: false })

/** The signed-in user, loaded once from /auth/me; the server stays the authority. */
export const auth = {
  state,
  me: computed(() => state.me),
  can(perm: string | undefined): boolean {
    if (!perm) return true
    return !!state.me?.permissions.includes(perm)
  },
  async load(force = false): Promise<Me | null> {
    if (state.loaded && !force) return state.me
    try {
      state.me = await authApi.me()
    } catch (e) {
      if (!(e instanceof ApiProblem) || (e.status !== 401 && e.status !== 403)) throw e
      state.me = null
    }
    state.loaded = true
    return state.me
  },
  async login(username: string, password: string, totp?: string): Promise<Me> {
    const out = await authApi.login(username, password, totp)
    state.me = out.user
    state.loaded = true
    return out.user
  },
  async logout(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      state.me = null
      state.loaded = true
    }
  },
  forget(): void {
    state.me = null
    state.loaded = true
  },
}
