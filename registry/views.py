from django.views.generic import DetailView, ListView, TemplateView

from .models import Agreement, City, MemberState, Network, Officer, Source


class HomeView(TemplateView):
    template_name = "registry/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["network"] = Network.objects.first()
        return context


class MemberStateListView(ListView):
    model = MemberState


class MemberStateDetailView(DetailView):
    model = MemberState


class CityListView(ListView):
    queryset = City.objects.with_state()
    paginate_by = 50


class CityDetailView(DetailView):
    queryset = City.objects.with_state()


class OfficerListView(ListView):
    queryset = Officer.objects.with_posts().current()
    paginate_by = 50


class AgreementListView(ListView):
    queryset = Agreement.objects.with_parties()


class AgreementDetailView(DetailView):
    queryset = Agreement.objects.with_parties()


class SourceListView(ListView):
    model = Source
