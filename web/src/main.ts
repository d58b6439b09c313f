import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import * as Icons from '@element-plus/icons-vue'
import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { setUnauthenticatedHandler } from './api/client'
import { auth } from './stores/auth'
import './styles.css'

const app = createApp(App)
for (const [name, comp] of Object.entries(Icons)) app.component(name, comp)
app.use(ElementPlus).use(i18n).use(router)

// A session that expired server-side sends the user back to the login page.
setUnauthenticatedHandler(() => {
  auth.forget()
  if (router.currentRoute.value.name !== 'login') {
    void router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
  }
})

app.mount('#app')
