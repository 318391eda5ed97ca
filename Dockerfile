# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/app
COPY pyproject.toml README.md ./
COPY aftersales ./aftersales
COPY policies ./policies
COPY returns ./returns
COPY tickets ./tickets
COPY disputes ./disputes
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home app && mkdir -p /srv/var && chown app /srv/var /srv/app/locale
USER app
EXPOSE 8000
CMD ["gunicorn", "aftersales.wsgi", "--bind", "0.0.0.0:8000"]
