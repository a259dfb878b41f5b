"""How allauth sends its email: rendered in the request, sent by Celery after commit."""

from allauth.account.adapter import DefaultAccountAdapter

from coalition.mail import email_queue


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        email_queue(message)
