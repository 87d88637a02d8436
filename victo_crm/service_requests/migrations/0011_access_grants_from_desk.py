"""Access grants move from the desk to the requests, whose workflow engine asks them who may
act. The tables keep their names (``desk_accessgrant`` and its two many-to-many tables):
only Django's idea of which app owns the model changes, and the content type follows, so
the permissions and the admin's history of grants stay attached."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to(app_label):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        old = "service_requests" if app_label == "desk" else "desk"
        if not ContentType.objects.filter(app_label=app_label, model="accessgrant").exists():
            ContentType.objects.filter(app_label=old, model="accessgrant").update(
                app_label=app_label
            )

    return move


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_communicationpreference_consent'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('desk', '0003_access_log_break_glass'),
        ('places', '0002_address_search_text_normalized'),
        ('service_requests', '0010_upload_moved_from_api'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AccessGrant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='créé le')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='modifié le')),
                        ('level', models.CharField(choices=[('read', 'Consultation seulement'), ('act', 'Consultation et traitement')], default='read', help_text='Consultation seulement : voir les requêtes et leur historique. Consultation et traitement : aussi les faire avancer, les attribuer, répondre et écrire des notes, comme l’équipe elle-même.', max_length=10, verbose_name='droits')),
                        ('ends_on', models.DateField(blank=True, help_text='Laisser vide pour un accès sans fin. Le lendemain, l’accès ne donne plus rien.', null=True, verbose_name='jusqu’au (inclus)')),
                        ('reason', models.CharField(blank=True, help_text='Pourquoi cet accès, par exemple « Remplacement pendant les vacances ».', max_length=255, verbose_name='motif')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='accordé par')),
                        ('grantee', models.ForeignKey(blank=True, help_text='Un agent ou un superviseur seulement (pas toute son équipe).', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='access_grants', to=settings.AUTH_USER_MODEL, verbose_name='ou à la personne')),
                        ('grantee_team', models.ForeignKey(blank=True, help_text='Tous les agents et superviseurs de cette équipe en profitent.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='access_grants_received', to='accounts.team', verbose_name='ouvertes à l’équipe')),
                        ('request_types', models.ManyToManyField(blank=True, db_table='desk_accessgrant_request_types', help_text='Seulement ces types. Laisser vide pour tous les types de l’équipe.', related_name='+', to='service_requests.requesttype', verbose_name='types de requêtes')),
                        ('team', models.ForeignKey(help_text='L’équipe dont les requêtes sont ouvertes.', on_delete=django.db.models.deletion.CASCADE, related_name='access_grants_given', to='accounts.team', verbose_name='requêtes de l’équipe')),
                        ('zones', models.ManyToManyField(blank=True, db_table='desk_accessgrant_zones', help_text='Seulement les requêtes situées dans l’une de ces zones. Laisser vide pour tout le territoire (une requête sans lieu n’est dans aucune zone).', related_name='+', to='places.zone', verbose_name='zones')),
                    ],
                    options={
                        'verbose_name': 'accès accordé',
                        'verbose_name_plural': 'accès accordés',
                        'db_table': 'desk_accessgrant',
                        'ordering': ('team__name_fr', '-created_at'),
                        'indexes': [models.Index(fields=['grantee', 'ends_on'], name='desk_grant_grantee'), models.Index(fields=['grantee_team', 'ends_on'], name='desk_grant_grantee_team')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('grantee__isnull', True), ('grantee_team__isnull', False)), models.Q(('grantee__isnull', False), ('grantee_team__isnull', True)), _connector='OR'), name='desk_grant_one_grantee')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to("service_requests"), content_type_to("desk")),
    ]
