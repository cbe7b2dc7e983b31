/**
 * Word lists the fake data is drawn from. Kept French and plausible so demo dashboards look like the real
 * volunteering marketplace, and varied enough that generated text does not compress to nothing (large
 * descriptions must stay large after compression to be stored out of line).
 */

export interface City {
  name: string;
  postalCode: string;
  departmentCode: string;
  lat: number;
  lon: number;
}

export const cities: readonly City[] = [
  { name: 'Paris', postalCode: '75011', departmentCode: '75', lat: 48.8589, lon: 2.3795 },
  { name: 'Marseille', postalCode: '13001', departmentCode: '13', lat: 43.2999, lon: 5.3841 },
  { name: 'Lyon', postalCode: '69003', departmentCode: '69', lat: 45.7597, lon: 4.8422 },
  { name: 'Toulouse', postalCode: '31000', departmentCode: '31', lat: 43.6045, lon: 1.444 },
  { name: 'Nice', postalCode: '06000', departmentCode: '06', lat: 43.7034, lon: 7.2663 },
  { name: 'Nantes', postalCode: '44000', departmentCode: '44', lat: 47.2184, lon: -1.5536 },
  { name: 'Strasbourg', postalCode: '67000', departmentCode: '67', lat: 48.5734, lon: 7.7521 },
  { name: 'Montpellier', postalCode: '34000', departmentCode: '34', lat: 43.6119, lon: 3.8772 },
  { name: 'Bordeaux', postalCode: '33000', departmentCode: '33', lat: 44.8378, lon: -0.5792 },
  { name: 'Lille', postalCode: '59000', departmentCode: '59', lat: 50.6292, lon: 3.0573 },
  { name: 'Rennes', postalCode: '35000', departmentCode: '35', lat: 48.1173, lon: -1.6778 },
  { name: 'Reims', postalCode: '51100', departmentCode: '51', lat: 49.2583, lon: 4.0317 },
  { name: 'Saint-Denis', postalCode: '97400', departmentCode: '974', lat: -20.8823, lon: 55.4504 },
  { name: 'Clermont-Ferrand', postalCode: '63000', departmentCode: '63', lat: 45.7772, lon: 3.087 },
  { name: 'Brest', postalCode: '29200', departmentCode: '29', lat: 48.3904, lon: -4.4861 },
  { name: 'Ajaccio', postalCode: '20000', departmentCode: '2A', lat: 41.9192, lon: 8.7386 },
];

export const streets: readonly string[] = [
  'rue de la République',
  'avenue Jean Jaurès',
  'boulevard Victor Hugo',
  'place de la Mairie',
  'rue des Écoles',
  'chemin du Moulin',
  'allée des Tilleuls',
  'quai de la Loire',
];

export const missionDomains: readonly string[] = [
  'solidarite-insertion',
  'education',
  'environnement',
  'sante',
  'culture-loisirs',
  'sport',
  'prevention-protection',
  'vivre-ensemble',
  'benevolat-competences',
  'mémoire-et-citoyenneté',
];

export const missionTags: readonly string[] = [
  'accessible aux mineurs',
  'en équipe',
  'ponctuel',
  'régulier',
  'week-end',
  'soirée',
  'handicap bienvenu',
  'sans expérience',
  'télétravail possible',
  'urgence',
];

export const missionActions: readonly string[] = [
  'Accompagner',
  'Animer',
  'Soutenir',
  'Distribuer des repas pour',
  'Organiser des ateliers avec',
  'Rendre visite à',
  'Sensibiliser',
  'Aider aux devoirs de',
  'Collecter des dons pour',
  'Encadrer',
];

export const missionAudiences: readonly string[] = [
  'des personnes âgées isolées',
  'des enfants en difficulté scolaire',
  'des familles réfugiées',
  'des personnes sans abri',
  'des jeunes en insertion',
  'le public d’une médiathèque',
  'les bénévoles d’un club sportif',
  'les habitants d’un quartier',
  'des patients hospitalisés',
  'les visiteurs d’un parc naturel',
];

export const organizationKinds: readonly string[] = [
  'Association',
  'Fondation',
  'Collectif',
  'Fédération',
  'Réseau',
  'Secours',
  'Banque',
  'Maison',
];

export const organizationTopics: readonly string[] = [
  'Solidaire',
  'des Jeunes',
  'Alimentaire',
  'Nature et Territoires',
  'pour l’Emploi',
  'des Aînés',
  'Sport pour Tous',
  'Culture Partagée',
  'Entraide Numérique',
  'Citoyenne',
];

/** Enough distinct words (with accents and punctuation) that pglz cannot shrink a long description below the
 * out-of-line threshold. */
export const proseWords: readonly string[] = (
  'accueil bénévole mission association quartier solidarité accompagnement atelier formation écoute ' +
  'partage citoyen engagement jeunesse territoire projet équipe activité responsable animation public ' +
  'personnes familles enfants seniors handicap santé environnement jardin recyclage collecte distribution ' +
  'repas logement insertion emploi numérique culture lecture musique théâtre sport randonnée nettoyage ' +
  'plage forêt rivière biodiversité sensibilisation prévention sécurité secourisme hôpital maraude hiver ' +
  'été vacances week-end soirée matin après-midi semaine mois disponibilité motivation bienveillance ' +
  'patience autonomie rigueur sourire convivialité confiance respect dignité lien social rencontre ' +
  'dialogue entraide proximité commune département région national européen international réseau ' +
  'partenaire coordination tutorat mentorat soutien scolaire devoirs alphabétisation français langue ' +
  'accompagner organiser animer encadrer informer orienter accueillir préparer installer ranger transporter'
).split(' ');

export const userAgents: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
];

export const botUserAgents: readonly string[] = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'python-requests/2.32.3',
];

export const refererHosts: readonly string[] = [
  'www.jeveuxaider.gouv.fr',
  'www.service-civique.gouv.fr',
  'www.francebenevolat.org',
  'www.1jeune1solution.gouv.fr',
  'www.leboncoin.fr',
  'www.google.com',
  'mairie-exemple.fr',
];
