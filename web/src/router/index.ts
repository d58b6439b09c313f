import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { auth } from '@/stores/auth'
import { MENU } from './modules'

/** Where a user lands: the first menu entry they may open. */
export function homePath(): string {
  if (auth.state.me?.must_change_password) return '/change-password'
  return MENU.find((m) => auth.can(m.perm))?.path ?? '/welcome'
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/layouts/MainLayout.vue'),
    children: [
      { path: '', name: 'home', redirect: () => homePath() },
      { path: 'welcome', name: 'welcome', component: () => import('@/views/WelcomeView.vue') },
      { path: 'change-password', name: 'change-password', component: () => import('@/views/ChangePasswordView.vue') },
      ...MENU.map((m): RouteRecordRaw => ({ path: m.path.slice(1), name: m.name, component: m.component!, meta: { perm: m.perm, title: m.title } })),
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const me = await auth.load()
  if (!me) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (me.must_change_password && to.name !== 'change-password') return { name: 'change-password' }
  const perm = to.meta.perm as string | undefined
  if (perm && !auth.can(perm)) return homePath()
  return true
})
