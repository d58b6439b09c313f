"""One include per domain, under /api/v1."""

from fastapi import APIRouter

from dualcarbon.accounting.router import router as accounting_router
from dualcarbon.activity.router import router as activity_router
from dualcarbon.audit.router import router as audit_router
from dualcarbon.collection.router import router as collection_router
from dualcarbon.factors.router import router as factors_router
from dualcarbon.identity.router import router as identity_router
from dualcarbon.monitoring.router import router as monitoring_router
from dualcarbon.parkbase.router import router as parkbase_router
from dualcarbon.protocols.router import router as cems_router
from dualcarbon.registry.router import router as registry_router

api_router = APIRouter()
api_router.include_router(identity_router)
api_router.include_router(audit_router)
api_router.include_router(registry_router)
api_router.include_router(monitoring_router)
api_router.include_router(collection_router)
api_router.include_router(activity_router)
api_router.include_router(factors_router)
api_router.include_router(accounting_router)
api_router.include_router(parkbase_router)
api_router.include_router(cems_router)
