import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { operatorToken, portalToken } from './session'
import PortalLayout from './views/PortalLayout.vue'
import HomePage from './views/HomePage.vue'
import LoginPage from './views/LoginPage.vue'

// The manual's left menu, in its order; 投保服务 holds 小微投保 and 投保咨询.
const portalPages: RouteRecordRaw[] = [
  { path: '', name: 'home', component: HomePage, meta: { title: '首页' } },
  { path: 'agreements', name: 'agreements', component: () => import('./views/AgreementsPage.vue'), meta: { title: '签约管理' } },
  { path: 'authorized-data', name: 'authorized-data', component: () => import('./views/AuthorizedDataPage.vue'), meta: { title: '授权数据查询' } },
  { path: 'insurance', name: 'insurance', component: () => import('./views/InsurancePage.vue'), meta: { title: '小微投保' } },
  { path: 'insurance/:offerNo/apply', name: 'insurance-apply', component: () => import('./views/InsuranceApplyPage.vue'), meta: { title: '小微投保（投保申请）' } },
  { path: 'insurance/:offerNo', name: 'insurance-detail', component: () => import('./views/InsuranceDetailPage.vue'), meta: { title: '查看详情' } },
  { path: 'inquiry', name: 'inquiry', component: () => import('./views/InquiryPage.vue'), meta: { title: '投保咨询' } },
  { path: 'claims', name: 'claims', component: () => import('./views/ClaimsPage.vue'), meta: { title: '索赔申请' } },
  { path: 'claims/:claimNo', name: 'claim', component: () => import('./views/ClaimFormPage.vue'), meta: { title: '索赔申请详情' } },
  { path: 'risk', name: 'risk', component: () => import('./views/RiskPage.vue'), meta: { title: '风险资讯' } },
  { path: 'risk/category/:code', name: 'risk-category', component: () => import('./views/RiskCategoryPage.vue'), meta: { title: '风险资讯' } },
  { path: 'risk/:id', name: 'risk-article', component: () => import('./views/RiskArticlePage.vue'), meta: { title: '风险资讯' } },
  { path: 'financing', name: 'financing', component: () => import('./views/FinancingPage.vue'), meta: { title: '融资超市' } },
  { path: 'survey', name: 'survey', component: () => import('./views/MessagesPage.vue'), meta: { title: '调查问卷' } },
  { path: 'service', name: 'service', component: () => import('./views/ServicePage.vue'), meta: { title: '服务介绍' } },
  { path: 'code-lists', name: 'code-lists', component: () => import('./views/CodeListsPage.vue'), meta: { title: '代码表' } },
]

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true, title: '登录' } },
  { path: '/zone', name: 'zone', component: () => import('./views/ZonePage.vue'), meta: { public: true, title: '政策性出口信用保险服务专区' } },
  { path: '/ops/login', name: 'ops-login', component: () => import('./ops/OpsLogin.vue'), meta: { public: true, operator: true, title: '运维登录' } },
  { path: '/ops/', name: 'ops', component: () => import('./ops/OpsConsole.vue'), meta: { operator: true, title: '运维控制台' } },
  { path: '/ops', redirect: '/ops/' },
  { path: '/', component: PortalLayout, children: portalPages },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundPage.vue'), meta: { public: true, title: '页面不存在' } },
]

export const router = createRouter({ history: createWebHistory('/'), routes })

// The portal zone's rule: an action needing login goes to the login page and comes back.
router.beforeEach((to) => {
  if (to.meta.public) return true
  if (to.meta.operator) return operatorToken() ? true : { path: '/ops/login', query: { redirect: to.fullPath } }
  return portalToken() ? true : { path: '/login', query: { redirect: to.fullPath } }
})

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} - 政策性出口信用系统`
})
