from dualcarbon.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from dualcarbon.server.i18n import register


class LoginRateLimited(TooManyRequests):
    code = "identity.login-rate-limited"


class LoginFailed(Unauthenticated):
    code = "identity.login-failed"


class AccountLocked(Unauthenticated):
    code = "identity.account-locked"


class TotpRequired(Unauthenticated):
    code = "identity.totp-required"


class SessionExpired(Unauthenticated):
    code = "identity.session-expired"


class CsrfFailed(Forbidden):
    code = "identity.csrf-failed"


class PasswordChangeRequired(Forbidden):
    code = "identity.password-change-required"


class PermissionDenied(Forbidden):
    code = "identity.permission-denied"


class UsernameTaken(Conflict):
    code = "identity.username-taken"


class UserNotFound(NotFound):
    code = "identity.user-not-found"


class PasswordReused(Invalid):
    code = "identity.password.reused"


class WrongPassword(Invalid):
    code = "identity.wrong-password"


class BadGrant(Invalid):
    code = "identity.bad-grant"


register(LoginFailed.code, "用户名或密码错误", "Wrong user name or password")
register(
    AccountLocked.code,
    "登录失败次数过多，账户已临时锁定，请稍后再试",
    "Too many failed logins; the account is locked for a while",
)
register(TotpRequired.code, "请输入动态验证码", "A one-time code is required")
register(SessionExpired.code, "会话已过期，请重新登录", "Session expired; please sign in again")
register(
    CsrfFailed.code,
    "请求校验失败（CSRF），请刷新页面后重试",
    "CSRF check failed; reload the page and retry",
)
register(PasswordChangeRequired.code, "请先修改密码", "You must change your password first")
register(PermissionDenied.code, "无权执行此操作", "You do not have permission for this")
register(UsernameTaken.code, "用户名已存在", "User name already taken")
register(UserNotFound.code, "用户不存在", "User not found")
register(PasswordReused.code, "不能使用最近用过的密码", "That password was used recently")
register(WrongPassword.code, "原密码不正确", "The current password is wrong")
register(BadGrant.code, "角色授权范围不正确", "Invalid role scope")
register(
    "identity.password.too-short",
    "密码长度至少为 {min_length} 位",
    "Password must have at least {min_length} characters",
)
register(
    "identity.password.too-simple",
    "密码须包含大写字母、小写字母、数字、符号中的至少 {min_classes} 类",
    "Password needs at least {min_classes} of: upper case, lower case, digits, symbols",
)
register(
    "identity.password.contains-username",
    "密码不能包含用户名",
    "Password must not contain the user name",
)
register("identity.password.reused", "不能使用最近用过的密码", "That password was used recently")
register("identity.totp-not-pending", "请先开始绑定动态验证码", "Start the TOTP enrolment first")
register("identity.totp-wrong", "动态验证码不正确", "Wrong one-time code")
register(
    "identity.totp-enrolment-required",
    "管理员账户须先绑定动态验证码（双因素认证）",
    "Administrators must enrol a one-time-code authenticator first",
)
register(
    LoginRateLimited.code,
    "登录尝试过于频繁，请稍后再试",
    "Too many login attempts; try again later",
)
