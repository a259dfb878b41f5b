# The production image: gunicorn serves Django, whitenoise serves the static
# files collected below; the same image runs the Celery worker and beat.
FROM python:3.11-slim

# No .pyc files in the code tree, and logs reach `docker logs` unbuffered.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The processes run as this user, which owns nothing under /app, so a
# compromised process cannot rewrite the code. It gets a real home because
# gunicorn puts its control socket in ~/.gunicorn.
RUN groupadd --system --gid 10001 coalition \
    && useradd --system --uid 10001 --gid coalition --create-home \
        --home-dir /home/coalition --shell /usr/sbin/nologin coalition

WORKDIR /app

# The lock goes in on its own so that changing the code reuses this layer.
# --require-hashes refuses any package the lock does not name exactly.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# The compiled translations (.mo) are committed, so they come with the code.
COPY . .

# The manifest storage needs the hashed files in the image. These values exist
# only for this command: the settings refuse production without them, and
# collectstatic signs nothing and touches no database.
RUN COALITION_ENV=production \
    SECRET_KEY=build-time-only-placeholder-collectstatic-signs-nothing-0123456789 \
    ALLOWED_HOSTS=build \
    python manage.py collectstatic --no-input \
    && mkdir -p var/media \
    && chown coalition:coalition var/media

USER coalition

EXPOSE 8000

# gunicorn takes its worker count from WEB_CONCURRENCY; 3 suits a small
# machine, raise it to about twice the CPUs given to the container.
ENV WEB_CONCURRENCY=3

# The probe sends the first ALLOWED_HOSTS name as Host, or Django would answer
# 400 in a deployment that does not list 127.0.0.1. urlopen raises on the 503
# /healthz returns when the database or the broker is down.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"

# The heartbeat file goes to /dev/shm because a slow overlay filesystem can
# stall workers until they are killed as unresponsive.
CMD ["gunicorn", "coalition.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm"]
