import type { RouteRecordRaw } from 'vue-router'

/**
 * The module menu: every page with the permission that makes it work. The layout shows only the
 * entries whose permission the signed-in user has (from /auth/me); the router guard refuses the
 * others. Only complete pages are listed here.
 */
export interface MenuEntry {
  path: string
  name: string
  title: string // i18n key
  perm: string
  group: 'main' | 'registry' | 'monitoring' | 'admin' | 'accounting'
  icon: string
  component: RouteRecordRaw['component']
}

export const GROUPS: { key: MenuEntry['group']; title: string; icon: string }[] = [
  { key: 'main', title: 'nav.overview', icon: 'DataAnalysis' },
  { key: 'registry', title: 'nav.registry', icon: 'OfficeBuilding' },
  { key: 'monitoring', title: 'nav.monitoring', icon: 'Bell' },
  { key: 'admin', title: 'nav.admin', icon: 'Setting' },
  { key: 'accounting', title: 'accounting.nav.group', icon: 'TrendCharts' },
]

export const MENU: MenuEntry[] = [
  { path: '/overview', name: 'overview', title: 'nav.overview', perm: 'registry.park:read', group: 'main', icon: 'DataAnalysis', component: () => import('@/views/OverviewView.vue') },
  { path: '/parks', name: 'parks', title: 'nav.parks', perm: 'registry.park:read', group: 'registry', icon: 'MapLocation', component: () => import('@/views/registry/ParksView.vue') },
  { path: '/enterprises', name: 'enterprises', title: 'nav.enterprises', perm: 'registry.enterprise:read', group: 'registry', icon: 'OfficeBuilding', component: () => import('@/views/registry/EnterprisesView.vue') },
  { path: '/facilities', name: 'facilities', title: 'nav.facilities', perm: 'registry.facility:read', group: 'registry', icon: 'SetUp', component: () => import('@/views/registry/FacilitiesView.vue') },
  { path: '/processes', name: 'processes', title: 'nav.processes', perm: 'registry.process:read', group: 'registry', icon: 'Operation', component: () => import('@/views/registry/ProcessesView.vue') },
  { path: '/products', name: 'products', title: 'nav.products', perm: 'registry.product:read', group: 'registry', icon: 'Box', component: () => import('@/views/registry/ProductsView.vue') },
  { path: '/devices', name: 'devices', title: 'nav.devices', perm: 'registry.device:read', group: 'registry', icon: 'Odometer', component: () => import('@/views/registry/DevicesView.vue') },
  { path: '/metering-points', name: 'metering-points', title: 'nav.meteringPoints', perm: 'registry.metering_point:read', group: 'registry', icon: 'Location', component: () => import('@/views/registry/MeteringPointsView.vue') },
  { path: '/realtime', name: 'realtime', title: 'live.nav', perm: 'collection.reading:read', group: 'monitoring', icon: 'Monitor', component: () => import('@/views/monitoring/RealtimeView.vue') },
  { path: '/monitoring-report', name: 'monitoring-report', title: 'report.nav', perm: 'collection.reading:read', group: 'monitoring', icon: 'Document', component: () => import('@/views/monitoring/MonitoringReportView.vue') },
  { path: '/alarm-events', name: 'alarm-events', title: 'nav.alarmEvents', perm: 'monitoring.alarm:read', group: 'monitoring', icon: 'Bell', component: () => import('@/views/monitoring/AlarmEventsView.vue') },
  { path: '/alarm-rules', name: 'alarm-rules', title: 'nav.alarmRules', perm: 'monitoring.alarm:read', group: 'monitoring', icon: 'AlarmClock', component: () => import('@/views/monitoring/AlarmRulesView.vue') },
  { path: '/om-records', name: 'om-records', title: 'nav.omRecords', perm: 'monitoring.om:read', group: 'monitoring', icon: 'Tools', component: () => import('@/views/monitoring/OmRecordsView.vue') },
  { path: '/qc-records', name: 'qc-records', title: 'nav.qcRecords', perm: 'monitoring.qc:read', group: 'monitoring', icon: 'Checked', component: () => import('@/views/monitoring/QcRecordsView.vue') },
  // data collection (collcfg)
  { path: '/hj212-devices', name: 'hj212-devices', title: 'collection.nav.hj212', perm: 'hj212.device:read', group: 'monitoring', icon: 'Cpu', component: () => import('@/views/collection/Hj212DevicesView.vue') },
  { path: '/daily-records', name: 'daily-records', title: 'collection.nav.daily', perm: 'collection.reading:read', group: 'monitoring', icon: 'Calendar', component: () => import('@/views/collection/DailyRecordsView.vue') },
  { path: '/reading-corrections', name: 'reading-corrections', title: 'collection.nav.corrections', perm: 'collection.reading:read', group: 'monitoring', icon: 'EditPen', component: () => import('@/views/collection/CorrectionsView.vue') },
  { path: '/users', name: 'users', title: 'nav.users', perm: 'identity.user:read', group: 'admin', icon: 'User', component: () => import('@/views/admin/UsersView.vue') },
  { path: '/security-policy', name: 'security-policy', title: 'nav.securityPolicy', perm: 'identity.policy:read', group: 'admin', icon: 'Lock', component: () => import('@/views/admin/SecurityPolicyView.vue') },
  { path: '/audit', name: 'audit', title: 'nav.audit', perm: 'audit.event:read', group: 'admin', icon: 'Document', component: () => import('@/views/admin/AuditView.vue') },
  // carbon accounting (webacct)
  { path: '/activity', name: 'activity', title: 'accounting.nav.activity', perm: 'activity.data:write', group: 'accounting', icon: 'EditPen', component: () => import('@/views/accounting/ActivityView.vue') },
  { path: '/activity-review', name: 'activity-review', title: 'accounting.nav.review', perm: 'activity.data:review', group: 'accounting', icon: 'Stamp', component: () => import('@/views/accounting/ReviewView.vue') },
  { path: '/accounting-results', name: 'accounting-results', title: 'accounting.nav.results', perm: 'accounting.run:read', group: 'accounting', icon: 'TrendCharts', component: () => import('@/views/accounting/ResultsView.vue') },
  { path: '/park-accounting', name: 'park-accounting', title: 'accounting.nav.park', perm: 'accounting.park_run:read', group: 'accounting', icon: 'PieChart', component: () => import('@/views/accounting/ParkResultsView.vue') },
  { path: '/factors', name: 'factors', title: 'accounting.nav.factors', perm: 'factors.parameter:read', group: 'accounting', icon: 'Collection', component: () => import('@/views/accounting/FactorsView.vue') },
]
