from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "remission.web"
    label = "web"
    verbose_name = "Remission web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from remission.web.sessions import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="remission.web.sessions.stamp_sign_in")
