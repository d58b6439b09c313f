import { api } from './client'
import type { LoginOut, Me } from './types'

export const authApi = {
  login: (username: string, password: string, totp_code?: string) =>
    api.post<LoginOut>('/auth/login', { username, password, ...(totp_code ? { totp_code } : {}) }),
  logout: () => api.post<void>('/auth/logout'),
  me: () => api.get<Me>('/auth/me'),
  changePassword: (old_password: string, new_password: string) =>
    api.post<void>('/auth/change-password', { old_password, new_password }),
}
